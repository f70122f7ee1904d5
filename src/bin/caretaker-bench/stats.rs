//! Percentiles and rates from raw samples.

use serde::Serialize;

/// Latency percentiles in milliseconds, over `count` samples.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Percentiles {
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Percentiles {
    /// Percentiles of samples given in microseconds.
    pub fn from_micros(mut samples: Vec<u64>) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        samples.sort_unstable();
        Self {
            count: samples.len(),
            p50_ms: at(&samples, 0.50),
            p99_ms: at(&samples, 0.99),
            p999_ms: at(&samples, 0.999),
            max_ms: micros_to_ms(samples[samples.len() - 1]),
        }
    }
}

/// The nearest-rank percentile `q` of sorted microsecond samples, in ms.
fn at(sorted: &[u64], q: f64) -> f64 {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    micros_to_ms(sorted[index])
}

pub fn micros_to_ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

/// Nanoseconds since the Unix epoch. Every process of one run reads the
/// same clock, so a time written into an event by one process can be
/// compared with the time another process receives it.
pub fn now_nanos() -> u64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    since_epoch.as_nanos() as u64
}

pub fn per_second(count: usize, elapsed: std::time::Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 {
        return 0.0;
    }
    count as f64 / secs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let samples: Vec<u64> = (1..=1000).map(|n| n * 1000).collect();

        let result = Percentiles::from_micros(samples);

        assert_eq!(result.p50_ms, 500.0);
        assert_eq!(result.p99_ms, 990.0);
        assert_eq!(result.p999_ms, 999.0);
        assert_eq!(result.max_ms, 1000.0);
    }
}
