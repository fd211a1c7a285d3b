//! The worker thread and the UI thread's end of it: jobs in, outcomes out, in order; while
//! idle the worker watches for others' changes, and when the site server goes away it waits
//! and tries again rather than dropping anything.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use super::tasks::{Job, Outcome, run};
use crate::storage::Store;

/// An outcome with where and how long its job ran (the frame-time test checks that slow work
/// never runs on the UI thread).
#[derive(Debug)]
pub struct Done {
    /// What came out.
    pub outcome: Outcome,
    /// The thread that ran the job.
    pub thread: ThreadId,
    /// How long the job took.
    pub elapsed: Duration,
    /// Whether it answers a submitted job (else the worker said it unasked).
    pub solicited: bool,
}

/// The UI thread's end of the worker.
pub struct Tasks {
    jobs: Sender<Job>,
    done: Receiver<Done>,
    pending: usize,
    /// The last job's thread and duration (for the frame-time test and diagnostics).
    pub last: Option<(ThreadId, Duration)>,
}

impl Tasks {
    /// Starts the worker with the store it will own; `wake` asks for a frame when a job is
    /// done.
    pub fn start(store: Box<dyn Store + Send>, wake: impl Fn() + Send + 'static) -> Self {
        let (jobs, inbox) = channel::<Job>();
        let (outbox, done) = channel::<Done>();
        let spawned = std::thread::Builder::new()
            .name("prescreen-worker".to_owned())
            .spawn(move || work(store, &inbox, &outbox, &wake));
        if let Err(error) = spawned {
            tracing::error!(%error, "the worker thread could not start");
        }
        Self {
            jobs,
            done,
            pending: 0,
            last: None,
        }
    }

    /// Queues a job; `false` if the worker is gone.
    pub fn submit(&mut self, job: Job) -> bool {
        match self.jobs.send(job) {
            Ok(()) => {
                self.pending += 1;
                true
            }
            Err(_) => false,
        }
    }

    /// Jobs submitted and not yet applied.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// The outcomes that have arrived, without waiting.
    pub fn poll(&mut self) -> Vec<Outcome> {
        let mut outcomes = Vec::new();
        while let Ok(done) = self.done.try_recv() {
            outcomes.push(self.received(done));
        }
        outcomes
    }

    /// Waits for the next outcome (tests and benchmarks: "let the saves land").
    pub fn wait(&mut self, timeout: Duration) -> Option<Outcome> {
        if self.pending == 0 {
            return None;
        }
        let done = self.done.recv_timeout(timeout).ok()?;
        Some(self.received(done))
    }

    fn received(&mut self, done: Done) -> Outcome {
        if done.solicited {
            self.pending = self.pending.saturating_sub(1);
        }
        self.last = Some((done.thread, done.elapsed));
        done.outcome
    }
}

/// How often an idle worker looks whether someone else changed the records.
pub const CHANGE_POLL: Duration = Duration::from_secs(2);

/// The worker thread: runs each job; while idle, looks every [`CHANGE_POLL`] whether the
/// chain head moved (someone else saved). Polling rather than PostgreSQL's LISTEN/NOTIFY:
/// one indexed query works the same on a shared SQLite file and on the server, needs no
/// second connection, and a change shows within two seconds. A job that finds the server
/// gone is run again once it is back: the worker says so (unasked outcomes), tries again
/// with growing pauses, and the jobs behind it wait in order — nothing is written anywhere
/// else and nothing is dropped.
fn work(
    mut store: Box<dyn Store + Send>,
    inbox: &Receiver<Job>,
    outbox: &Sender<Done>,
    wake: &(impl Fn() + Send + 'static),
) {
    let send = |outcome: Outcome, solicited: bool, started: Instant| {
        let done = Done {
            outcome,
            thread: std::thread::current().id(),
            elapsed: started.elapsed(),
            solicited,
        };
        let sent = outbox.send(done).is_ok();
        wake();
        sent
    };
    let mut head = store.latest_chain_hash().ok();
    loop {
        let job = match inbox.recv_timeout(CHANGE_POLL) {
            Ok(job) => job,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let now = store.latest_chain_hash().ok();
                if now.is_some() && now != head {
                    head = now;
                    if !send(Outcome::StoreChanged, false, Instant::now()) {
                        return;
                    }
                } else if now.is_none() && store.connection_lost() {
                    // Idle and the server went away: reconnect quietly before the next job.
                    let _ = store.reconnect();
                }
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let started = Instant::now();
        let mut pause = Duration::from_millis(250);
        let mut said_offline = false;
        let outcome = loop {
            let mut pages_sent = true;
            let outcome = run(store.as_mut(), job.clone(), &mut |page| {
                pages_sent &= send(page, false, started);
            });
            if !pages_sent {
                return;
            }
            if !store.connection_lost() {
                break outcome;
            }
            if !said_offline {
                said_offline = true;
                drop(outcome);
                let why = "The site server cannot be reached".to_owned();
                if !send(Outcome::Connection(Some(why)), false, started) {
                    return;
                }
            }
            loop {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(5));
                if store.reconnect().is_ok() {
                    break;
                }
            }
        };
        if said_offline && !send(Outcome::Connection(None), false, started) {
            return;
        }
        // Our own saves move the head too: only someone else's change is news.
        head = store.latest_chain_hash().ok().or(head);
        if !send(outcome, true, started) {
            return;
        }
    }
}
