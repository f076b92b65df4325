//! DATAS (Dynamic Adaptation To Application Sizes, .NET 8 opt-in, Server GC default from .NET 9):
//! Server GC that starts with one heap, caps the gen0 budget by the size of the older generations
//! (the cap itself is applied with the budgets), and adds heaps when the share of time spent in GC
//! stays high. On .NET 8 the heap count can reach at most the CPU count minus one.

/// Heap-count controller of DATAS.
#[derive(Clone, Debug, PartialEq)]
pub struct Datas {
    /// Most heaps DATAS may use.
    pub max_heaps: u32,
    samples: Vec<f64>,
    smoothed: Option<f64>,
    last_gc_end_s: f64,
    /// Heap count DATAS asks for at the next GC.
    pub wanted_heaps: Option<u32>,
}

impl Datas {
    /// A controller for a process that could use `n_max` Server GC heaps.
    pub fn new(n_max: u32) -> Datas {
        let extra = 1 + u32::from(n_max >= 32);
        Datas {
            max_heaps: n_max.saturating_sub(extra).max(1),
            samples: Vec::new(),
            smoothed: None,
            last_gc_end_s: 0.0,
            wanted_heaps: None,
        }
    }

    /// Notes a blocking GC that started at `start_s`, paused `pause_s` and condemned `generation`.
    /// Every third GC the median share of time in GC decides whether more heaps are wanted.
    pub fn note_gc(&mut self, start_s: f64, pause_s: f64, generation: usize) {
        let _ = generation;
        let elapsed = (start_s + pause_s - self.last_gc_end_s).max(1e-6);
        self.last_gc_end_s = start_s + pause_s;
        self.samples.push((100.0 * pause_s / elapsed).min(100.0));
        if self.samples.len() < 3 {
            return;
        }
        let mut s = std::mem::take(&mut self.samples);
        s.sort_by(f64::total_cmp);
        let median = s[1];
        let smoothed = match self.smoothed {
            None => median,
            Some(prev) => median / 3.0 + prev * 2.0 / 3.0,
        };
        self.smoothed = Some(smoothed);
        self.wanted_heaps = Some(if median > 10.0 || smoothed > 5.0 {
            u32::MAX
        } else {
            0
        });
    }

    /// The heap count to use next, given the current one.
    pub fn next_heap_count(&mut self, current: u32) -> u32 {
        match self.wanted_heaps.take() {
            Some(u32::MAX) => {
                let step = current.div_ceil(2).max(1);
                (current + step).min(self.max_heaps)
            }
            Some(0) if self.smoothed.is_some_and(|s| s < 1.0) && current > 1 => {
                current - current.div_ceil(3).max(1).min(current - 1)
            }
            _ => current,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_cores_never_leave_one_heap() {
        let mut d = Datas::new(2);
        for i in 0..9 {
            d.note_gc(i as f64 * 0.01, 0.009, 0);
        }
        assert_eq!(d.next_heap_count(1), 1);
    }

    #[test]
    fn heavy_gc_adds_heaps_on_bigger_machines() {
        let mut d = Datas::new(8);
        for i in 0..3 {
            d.note_gc(i as f64 * 0.01, 0.005, 0);
        }
        assert_eq!(d.next_heap_count(1), 2);
        assert_eq!(d.max_heaps, 7);
    }
}
