//! The progress bar: shown for computes that outlast `Config::progress_after`, on a terminal
//! (or always with `Progress::On`), drawn by indicatif.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::Progress;
use crate::scheduler::{Callback, Stats, TaskEvent};

pub(crate) struct ProgressBar {
    after: Duration,
    t0: Mutex<Option<Instant>>,
    total: AtomicUsize,
    done: AtomicUsize,
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl ProgressBar {
    /// The bar for this policy, or `None` when it would never show.
    pub(crate) fn for_policy(p: Progress, after: Duration) -> Option<ProgressBar> {
        let show = match p {
            Progress::Off => false,
            Progress::On => true,
            Progress::Auto => std::io::stderr().is_terminal(),
        };
        show.then(|| ProgressBar {
            after: if p == Progress::On { Duration::ZERO } else { after },
            t0: Mutex::new(None),
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            bar: Mutex::new(None),
        })
    }
}

impl Callback for ProgressBar {
    fn on_start(&self, ntasks: usize) {
        *self.t0.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        self.total.store(ntasks, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
    }

    fn on_task_finish(&self, _: &TaskEvent<'_>) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let started =
            self.t0.lock().unwrap_or_else(|e| e.into_inner()).map(|t| t.elapsed() >= self.after).unwrap_or(false);
        if !started {
            return;
        }
        let mut bar = self.bar.lock().unwrap_or_else(|e| e.into_inner());
        let b = bar.get_or_insert_with(|| {
            let b = indicatif::ProgressBar::new(self.total.load(Ordering::Relaxed) as u64);
            b.set_style(
                indicatif::ProgressStyle::with_template("[{bar:40}] {pos}/{len} tasks {elapsed_precise} (eta {eta})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("#>-"),
            );
            b
        });
        b.set_position(done as u64);
    }

    fn on_finish(&self, _: &Stats) {
        if let Some(b) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            b.finish_and_clear();
        }
    }
}
