//! A real RFC 3161 timestamp authority on 127.0.0.1 for tests: `openssl ts -reply` with a key
//! and a certificate (critical extendedKeyUsage timeStamping) made here, behind a tiny HTTP
//! handler (POST application/timestamp-query → application/timestamp-reply).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{run, text, tool};

/// A running local TSA; its files live as long as it does.
pub struct LocalTsa {
    /// `http://127.0.0.1:PORT/tsa`.
    pub url: String,
    /// The TSA's certificate (PEM), for `--trust` and `openssl ts -verify -CAfile`.
    pub cert: PathBuf,
    /// openssl.
    pub openssl: PathBuf,
    /// Requests answered so far.
    pub answered: std::sync::Arc<AtomicUsize>,
    dir: tempfile::TempDir,
}

const CONFIG: &str = "\
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = .
serial = ./serial
signer_cert = ./tsa.crt
signer_key = ./tsa.key
certs = ./tsa.crt
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_alg = sha256
";

impl LocalTsa {
    /// Starts one; `None` (with a loud warning) when openssl is missing and not required.
    pub fn start() -> Option<Self> {
        let openssl = tool("openssl", Some("PRESCREEN_OPENSSL"))?;
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(&openssl)
            .current_dir(dir.path())
            .args([
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=Test TSA",
                "-addext",
                "extendedKeyUsage=critical,timeStamping",
                "-days",
                "2",
                "-keyout",
                "tsa.key",
                "-out",
                "tsa.crt",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl req: {}", text(&out));
        std::fs::write(dir.path().join("tsa.cnf"), CONFIG).unwrap();
        std::fs::write(dir.path().join("serial"), "01\n").unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/tsa", listener.local_addr().unwrap());
        let answered = std::sync::Arc::new(AtomicUsize::new(0));
        let (work, program, count) = (dir.path().to_owned(), openssl.clone(), answered.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let n = count.fetch_add(1, Ordering::SeqCst);
                answer(stream, &work, &program, n);
            }
        });
        Some(Self {
            url,
            cert: dir.path().join("tsa.crt"),
            openssl,
            answered,
            dir,
        })
    }

    /// The DER TimeStampResp openssl makes for a DER TimeStampReq (no HTTP).
    pub fn reply(&self, request: &[u8]) -> Vec<u8> {
        reply_in(self.dir.path(), &self.openssl, request, usize::MAX)
    }

    /// The TSA's working folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

fn reply_in(dir: &Path, openssl: &Path, request: &[u8], n: usize) -> Vec<u8> {
    let query = dir.join(format!("req-{n}.tsq"));
    let reply = dir.join(format!("resp-{n}.tsr"));
    std::fs::write(&query, request).unwrap();
    let out = Command::new(openssl)
        .current_dir(dir)
        .args(["ts", "-reply", "-config", "tsa.cnf", "-queryfile"])
        .arg(&query)
        .arg("-out")
        .arg(&reply)
        .output()
        .unwrap();
    assert!(out.status.success(), "openssl ts -reply: {}", text(&out));
    std::fs::read(&reply).unwrap()
}

fn answer(mut stream: TcpStream, dir: &Path, openssl: &Path, n: usize) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    let (head_end, length) = loop {
        let read = stream.read(&mut buffer).unwrap_or(0);
        if read == 0 {
            return;
        }
        request.extend_from_slice(&buffer[..read]);
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (end + 4, length);
        }
    };
    while request.len() < head_end + length {
        let read = stream.read(&mut buffer).unwrap_or(0);
        if read == 0 {
            return;
        }
        request.extend_from_slice(&buffer[..read]);
    }
    let body = reply_in(dir, openssl, &request[head_end..head_end + length], n);
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// An http:// URL on 127.0.0.1 where nothing listens.
pub fn dead_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/tsa", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// `openssl ts -verify` of a token over `data` (the signature value), with the TSA's cert.
pub fn openssl_verifies(tsa: &LocalTsa, token: &[u8], data: &[u8]) -> String {
    let token_file = tsa.dir().join("token.der");
    let data_file = tsa.dir().join("data.bin");
    std::fs::write(&token_file, token).unwrap();
    std::fs::write(&data_file, data).unwrap();
    let out = run(
        &tsa.openssl,
        &[
            "ts",
            "-verify",
            "-token_in",
            "-in",
            token_file.to_str().unwrap(),
            "-data",
            data_file.to_str().unwrap(),
            "-CAfile",
            tsa.cert.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "openssl ts -verify: {}", text(&out));
    text(&out)
}
