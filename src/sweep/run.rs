//! Runs jobs on a rayon pool and hands their results back in index order, as soon as every
//! earlier one is done, so that a sweep can stream its rows to disk while memory stays flat.
//!
//! Workers take the next index from a shared counter (not rayon's recursive splitting), so the
//! jobs in flight are always close together and the reorder buffer holds only a few results
//! however many jobs there are. Nothing in the output depends on the number of threads or on
//! completion order.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// Why [`run_in_order`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError<E> {
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {message}")]
    Pool {
        /// Threads asked for.
        threads: usize,
        /// What failed.
        message: String,
    },
    /// A job or the sink failed; no later result was passed on.
    #[error(transparent)]
    Failed(E),
}

/// Runs `job(0)`, …, `job(n − 1)` on `threads` worker threads (0: one per CPU) and passes the
/// results to `sink` in index order, in batches of consecutive results (`sink(first_index,
/// results)`). The first error, from a job or from the sink, stops the run: workers take no new
/// job and the error is returned. A panic in a job is re-raised here once the workers are done.
pub fn run_in_order<T, E, J, S>(
    n: usize,
    threads: usize,
    job: J,
    mut sink: S,
) -> Result<(), RunError<E>>
where
    T: Send,
    E: Send,
    J: Fn(usize) -> Result<T, E> + Sync,
    S: FnMut(usize, Vec<T>) -> Result<(), E>,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("memsim-run-{i}"))
        .build()
        .map_err(|e| RunError::Pool {
            threads,
            message: e.to_string(),
        })?;
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, Result<T, E>)>();

    std::thread::scope(|scope| {
        let workers = scope.spawn(|| {
            let tx = tx;
            pool.broadcast(|_| {
                let tx = tx.clone();
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let result = job(i);
                    let failed = result.is_err();
                    if tx.send((i, result)).is_err() || failed {
                        break;
                    }
                }
            });
        });

        let mut pending: BTreeMap<usize, T> = BTreeMap::new();
        let mut wanted = 0;
        let mut outcome = Ok(());
        for (i, result) in rx.iter() {
            match result {
                Ok(v) => {
                    pending.insert(i, v);
                }
                Err(e) => {
                    outcome = Err(RunError::Failed(e));
                    break;
                }
            }
            let first = wanted;
            let mut batch = Vec::new();
            while let Some(v) = pending.remove(&wanted) {
                batch.push(v);
                wanted += 1;
            }
            if !batch.is_empty()
                && let Err(e) = sink(first, batch)
            {
                outcome = Err(RunError::Failed(e));
                break;
            }
        }
        if outcome.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        // Unblock workers still sending, then wait for them.
        drop(rx);
        if let Err(panic) = workers.join() {
            std::panic::resume_unwind(panic);
        }
        outcome
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_index_order_whatever_the_threads() {
        for threads in [1, 2, 4] {
            let mut seen = Vec::new();
            let mut batches = 0;
            run_in_order::<usize, (), _, _>(
                200,
                threads,
                |i| {
                    // Uneven job lengths shuffle completion order.
                    let spin = (i * 7919) % 13;
                    std::thread::sleep(std::time::Duration::from_micros(spin as u64 * 50));
                    Ok(i * i)
                },
                |first, batch| {
                    assert_eq!(first, seen.len());
                    seen.extend(batch);
                    batches += 1;
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(seen, (0..200).map(|i| i * i).collect::<Vec<_>>());
            assert!(batches >= 1);
        }
    }

    #[test]
    fn the_first_error_stops_the_run() {
        let mut got = 0;
        let r = run_in_order::<usize, String, _, _>(
            1000,
            2,
            |i| {
                if i == 10 {
                    Err(format!("job {i}"))
                } else {
                    Ok(i)
                }
            },
            |_, batch| {
                got += batch.len();
                Ok(())
            },
        );
        assert!(matches!(r, Err(RunError::Failed(ref e)) if e == "job 10"));
        assert!(got <= 10, "{got}");
        let r = run_in_order::<usize, String, _, _>(100, 2, Ok, |first, _| {
            if first > 0 {
                Err("sink".into())
            } else {
                Ok(())
            }
        });
        assert!(r.is_err());
    }
}
