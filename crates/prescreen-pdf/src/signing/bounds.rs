//! Bounds on what `verify` reads from a hostile file: before the PDF parser sees it, every
//! compressed stream is inflated into a counting sink (nothing is kept), and the file is refused
//! once all of them together pass a budget. A compression bomb then costs bounded time and
//! memory instead of gigabytes (a 4 MB bomb inflating to 4 GB used to take 41 s and 4.5 GB).

use std::io::Read;

/// Inflates every `stream … endstream` body that is zlib data, counting the output; `Err` names
/// the budget once the total passes it.
pub fn check_inflate_budget(pdf: &[u8], budget_bytes: u64) -> Result<(), String> {
    let mut total: u64 = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut at = 0;
    while let Some(found) = find(&pdf[at..], b"stream") {
        let start_keyword = at + found;
        at = start_keyword + b"stream".len();
        if start_keyword >= 3 && &pdf[start_keyword - 3..start_keyword] == b"end" {
            continue;
        }
        let body_start = match pdf.get(at..at + 2) {
            Some([b'\r', b'\n']) => at + 2,
            Some([b'\n', _]) | Some([b'\r', _]) => at + 1,
            _ => continue,
        };
        let body_end = find(&pdf[body_start..], b"endstream").map_or(pdf.len(), |e| body_start + e);
        let body = &pdf[body_start..body_end];
        // zlib header: CMF 0x78 for deflate with a 32 KB window (what FlateDecode writes).
        if body.first() != Some(&0x78) {
            continue;
        }
        let mut decoder = flate2::read::ZlibDecoder::new(body);
        loop {
            match decoder.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    total += n as u64;
                    if total > budget_bytes {
                        return Err(format!(
                            "its compressed streams inflate to more than {} MB: refused as a possible compression bomb",
                            budget_bytes / (1024 * 1024)
                        ));
                    }
                }
            }
        }
        at = body_end;
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn pdf_with_stream(body: &[u8]) -> Vec<u8> {
        let mut pdf = b"%PDF-1.7\n1 0 obj\n<< /Filter /FlateDecode >>\nstream\n".to_vec();
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendstream\nendobj\n");
        pdf
    }

    #[test]
    fn a_stream_inflating_past_the_budget_is_refused() {
        let bomb = zlib(&vec![0u8; 8 * 1024 * 1024]);
        assert!(bomb.len() < 64 * 1024);
        let error = check_inflate_budget(&pdf_with_stream(&bomb), 4 * 1024 * 1024).unwrap_err();
        assert!(error.contains("compression bomb"), "{error}");
    }

    #[test]
    fn streams_within_the_budget_pass_and_together_count() {
        let part = zlib(&vec![7u8; 3 * 1024 * 1024]);
        assert!(check_inflate_budget(&pdf_with_stream(&part), 4 * 1024 * 1024).is_ok());
        let mut two = pdf_with_stream(&part);
        two.extend(pdf_with_stream(&part));
        assert!(check_inflate_budget(&two, 4 * 1024 * 1024).is_err());
    }
}
