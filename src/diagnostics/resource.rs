//! Memory and CPU over time, sampled from /proc while computes run.

use std::fmt::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::scheduler::{Callback, Stats};

/// One sample.
#[derive(Clone, Copy, Debug)]
pub struct ResourceSample {
    /// Time since the profiler was created.
    pub time: Duration,
    /// Resident set size in bytes.
    pub rss: u64,
    /// CPU use since the previous sample, in percent of one core (200 = two cores busy).
    pub cpu_percent: f64,
}

/// Samples resident memory and CPU every `interval` during computes (dask's
/// `ResourceProfiler`). Linux only (reads /proc/self); elsewhere it records nothing.
pub struct ResourceProfiler {
    interval: Duration,
    t0: Instant,
    samples: Arc<Mutex<Vec<ResourceSample>>>,
    running: Arc<AtomicBool>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

fn rss_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn cpu_ticks() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // fields after the command name (which may contain spaces) start after the last ')'
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Peak resident set size of this process so far, in bytes (VmHWM), where available.
pub fn peak_rss_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

impl ResourceProfiler {
    /// Sample every `interval` (dask's default is 1 s; 50–100 ms suits short computes).
    pub fn new(interval: Duration) -> ResourceProfiler {
        ResourceProfiler {
            interval,
            t0: Instant::now(),
            samples: Arc::new(Mutex::new(Vec::new())),
            running: Arc::new(AtomicBool::new(false)),
            thread: Mutex::new(None),
        }
    }

    /// Samples so far.
    pub fn samples(&self) -> Vec<ResourceSample> {
        self.samples.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// `time_s,rss_bytes,cpu_percent` lines.
    pub fn to_csv(&self) -> String {
        let mut s = String::from("time_s,rss_bytes,cpu_percent\n");
        for r in self.samples() {
            let _ = writeln!(s, "{:.3},{},{:.1}", r.time.as_secs_f64(), r.rss, r.cpu_percent);
        }
        s
    }

    /// JSON array of samples.
    pub fn to_json(&self) -> String {
        let items: Vec<String> = self
            .samples()
            .iter()
            .map(|r| {
                format!(
                    "{{\"time_s\":{:.3},\"rss_bytes\":{},\"cpu_percent\":{:.1}}}",
                    r.time.as_secs_f64(),
                    r.rss,
                    r.cpu_percent
                )
            })
            .collect();
        format!("[{}]\n", items.join(",\n"))
    }

    /// Write CSV (`.csv`) or JSON (anything else).
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let p = path.as_ref();
        let text = if p.extension().is_some_and(|e| e == "csv") { self.to_csv() } else { self.to_json() };
        std::fs::write(p, text)?;
        Ok(())
    }

    fn sample(t0: Instant, last: &mut (Instant, u64), samples: &Mutex<Vec<ResourceSample>>) {
        let now = Instant::now();
        let ticks = cpu_ticks().unwrap_or(last.1);
        let hz = 100.0; // USER_HZ on Linux
        let dt = (now - last.0).as_secs_f64().max(1e-9);
        let cpu = (ticks.saturating_sub(last.1)) as f64 / hz / dt * 100.0;
        *last = (now, ticks);
        if let Some(rss) = rss_bytes() {
            samples.lock().unwrap_or_else(|e| e.into_inner()).push(ResourceSample {
                time: now - t0,
                rss,
                cpu_percent: cpu,
            });
        }
    }
}

impl Callback for ResourceProfiler {
    fn on_start(&self, _: usize) {
        if self.running.swap(true, Ordering::SeqCst) {
            return;
        }
        let (running, samples, interval, t0) = (self.running.clone(), self.samples.clone(), self.interval, self.t0);
        let handle = std::thread::spawn(move || {
            let mut last = (Instant::now(), cpu_ticks().unwrap_or(0));
            Self::sample(t0, &mut last, &samples);
            while running.load(Ordering::SeqCst) {
                std::thread::sleep(interval);
                Self::sample(t0, &mut last, &samples);
            }
        });
        *self.thread.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
    }

    fn on_finish(&self, _: &Stats) {
        self.running.store(false, Ordering::SeqCst);
        if let Some(h) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = h.join();
        }
    }
}
