//! The dataflow feed (`Subset::arriving` / `Subset::sent` with a [`Driver`]) without MPI: a
//! driver that plays the other ranks, delivering source blocks late and in a shuffled order.

use std::time::Duration;

use super::exec::{execute, execute_subset, Driver, Ended, Feed, Subset};
use crate::config::Config;
use crate::error::Error;
use crate::graph::{as_array, Block, Plan};

/// Delivers `blocks` (task, block) one by one, waiting a little between them, collecting every
/// sent block, until the run ends.
struct Late {
    blocks: Vec<(usize, Block)>,
    sent: Vec<usize>,
    fail_after: Option<usize>,
    saw_waiting: bool,
}

impl Driver for Late {
    fn drive(&mut self, feed: &Feed<'_, '_>) {
        let mut delivered = 0;
        loop {
            let (out, ended) = feed.take(Duration::from_millis(2));
            self.sent.extend(out.iter().map(|(t, _)| *t));
            self.saw_waiting |= ended == Ended::Waiting;
            if matches!(ended, Ended::Ok | Ended::Failed) {
                return;
            }
            if self.fail_after == Some(delivered) {
                self.fail_after = None;
                assert!(feed.fail(Error::Cancelled));
                continue;
            }
            if let Some((t, b)) = self.blocks.pop() {
                feed.deliver(t, b).unwrap();
                delivered += 1;
            }
        }
    }
}

/// `sum` of 0..n in `c`-element blocks, and its plan.
fn plan(n: i64, c: usize) -> Plan {
    let x = crate::arange(0i64, n, 1, [c]).unwrap();
    let s = x.sum(None).unwrap();
    Plan::build(&[s.node_for_tests()]).unwrap()
}

#[test]
fn sources_delivered_late_give_the_same_result() {
    for threads in [1, 2] {
        let cfg = Config::default().with_threads(threads);
        let p = plan(1000, 37);
        let all = execute(&p, &cfg).unwrap();
        let want = as_array::<i64>(&all[0][0]).unwrap()[[]];
        assert_eq!(want, 999 * 1000 / 2);
        // the tasks without inputs arrive; everything else runs here
        let n = p.tasks.len();
        let arriving: Vec<bool> = p.tasks.iter().map(|t| t.deps.is_empty()).collect();
        assert!(arriving.iter().filter(|&&a| a).count() > 3);
        // their blocks, computed by a whole run that keeps them
        let keep_src = Subset {
            run: vec![true; n],
            given: Vec::new(),
            keep: arriving.clone(),
            arriving: Vec::new(),
            sent: Vec::new(),
        };
        let src = execute_subset(&p, &cfg, keep_src, None, Vec::new()).unwrap();
        let mut blocks: Vec<(usize, Block)> =
            (0..n).filter(|&t| arriving[t]).map(|t| (t, src[t].clone().unwrap())).collect();
        // delivered in a scrambled order
        blocks.reverse();
        let third = blocks.len() / 3;
        blocks.rotate_left(third);
        let out = p.outputs[0].1[0] as usize;
        let mut sent = vec![false; n];
        sent[out] = true;
        // one combine task's block is sent too
        let inner = (0..n).find(|&t| !arriving[t] && t != out).unwrap();
        sent[inner] = true;
        let run: Vec<bool> = arriving.iter().map(|a| !a).collect();
        let mut keep = vec![false; n];
        keep[out] = true;
        let mut d = Late { blocks, sent: Vec::new(), fail_after: None, saw_waiting: false };
        let subset = Subset { run, given: Vec::new(), keep, arriving, sent };
        let got = execute_subset(&p, &cfg, subset, Some(&mut d), Vec::new()).unwrap();
        assert_eq!(as_array::<i64>(got[out].as_ref().unwrap()).unwrap()[[]], want);
        let mut s = d.sent.clone();
        s.sort_unstable();
        assert_eq!(s, {
            let mut v = vec![inner, out];
            v.sort_unstable();
            v
        });
        assert!(d.saw_waiting, "the workers waited for arrivals");
    }
}

#[test]
fn a_failure_while_waiting_for_arrivals_ends_the_run() {
    for threads in [1, 2] {
        let cfg = Config::default().with_threads(threads);
        let p = plan(100, 10);
        let n = p.tasks.len();
        let arriving: Vec<bool> = p.tasks.iter().map(|t| t.deps.is_empty()).collect();
        let dummy: Block = std::sync::Arc::new(crate::graph::Written);
        // nothing is delivered before the failure: the workers wait, then stop
        let mut d = Late { blocks: vec![(0, dummy)], sent: Vec::new(), fail_after: Some(0), saw_waiting: false };
        let run: Vec<bool> = arriving.iter().map(|a| !a).collect();
        let subset = Subset { run, given: Vec::new(), keep: vec![false; n], arriving, sent: Vec::new() };
        let r = execute_subset(&p, &cfg, subset, Some(&mut d), Vec::new());
        assert!(matches!(r, Err(Error::Cancelled)), "{:?}", r.err());
    }
}

#[test]
fn a_block_not_awaited_is_refused() {
    let cfg = Config::default();
    let p = plan(100, 10);
    let n = p.tasks.len();
    struct Bad(Option<Result<(), Error>>);
    impl Driver for Bad {
        fn drive(&mut self, feed: &Feed<'_, '_>) {
            let dummy: Block = std::sync::Arc::new(crate::graph::Written);
            self.0 = Some(feed.deliver(usize::MAX, dummy));
            while !matches!(feed.take(Duration::from_millis(1)).1, Ended::Ok | Ended::Failed) {}
        }
    }
    let mut d = Bad(None);
    let subset =
        Subset { run: vec![true; n], given: Vec::new(), keep: vec![false; n], arriving: Vec::new(), sent: Vec::new() };
    execute_subset(&p, &cfg, subset, Some(&mut d), Vec::new()).unwrap();
    assert!(matches!(d.0, Some(Err(Error::Value(_)))));
}

#[test]
fn a_panicking_driver_is_an_error_and_the_workers_stop() {
    let cfg = Config::default().with_threads(2);
    let p = plan(100, 10);
    let n = p.tasks.len();
    struct Boom;
    impl Driver for Boom {
        fn drive(&mut self, _: &Feed<'_, '_>) {
            panic!("driver failed");
        }
    }
    let arriving: Vec<bool> = p.tasks.iter().map(|t| t.deps.is_empty()).collect();
    let run: Vec<bool> = arriving.iter().map(|a| !a).collect();
    let subset = Subset { run, given: Vec::new(), keep: vec![false; n], arriving, sent: Vec::new() };
    let r = execute_subset(&p, &cfg, subset, Some(&mut Boom), Vec::new());
    assert!(matches!(r, Err(Error::TaskPanicked { .. })), "{:?}", r.err());
}
