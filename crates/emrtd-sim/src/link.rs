//! A model of the contactless link, to measure read strategies without hardware.
//!
//! Each APDU costs the time to send its bytes over ISO/IEC 14443 at the chosen bit rate plus the
//! chip's processing time. On air, every byte takes 9 bits (8 data bits and parity, as in
//! ISO/IEC 14443-A), and every frame adds a prologue/epilogue (PCB + CRC, 3 bytes) and a
//! frame delay; frames carry at most `frame_size` bytes (FSC/FSD), so long APDUs are chained
//! and each chained frame is acknowledged. The model is deliberately simple: it ranks strategies
//! (fewer, larger APDUs versus many small ones) the way a real link does.

use serde::{Deserialize, Serialize};

/// Link parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkModel {
    /// Bit rate in kbit/s: 106, 212, 424 or 848.
    #[serde(default = "default_rate")]
    pub bit_rate_kbps: u32,
    /// Chip time per APDU (command decoding, secure messaging set-up, file system), µs.
    #[serde(default = "default_apdu_us")]
    pub apdu_overhead_us: u32,
    /// Chip time per response data byte (reading EEPROM/flash, encrypting, MACing), ns.
    #[serde(default = "default_byte_ns")]
    pub per_byte_ns: u32,
    /// Largest ISO 14443-4 frame (FSC = FSD) in bytes.
    #[serde(default = "default_frame")]
    pub frame_size: u32,
    /// Frame delay time between a frame and its answer, µs.
    #[serde(default = "default_fdt")]
    pub frame_delay_us: u32,
}

fn default_rate() -> u32 {
    424
}
fn default_apdu_us() -> u32 {
    3_000
}
fn default_byte_ns() -> u32 {
    8_000
}
fn default_frame() -> u32 {
    256
}
fn default_fdt() -> u32 {
    100
}

impl Default for LinkModel {
    fn default() -> Self {
        LinkModel {
            bit_rate_kbps: default_rate(),
            apdu_overhead_us: default_apdu_us(),
            per_byte_ns: default_byte_ns(),
            frame_size: default_frame(),
            frame_delay_us: default_fdt(),
        }
    }
}

impl LinkModel {
    /// A model at the given bit rate with the default chip timings.
    pub fn at_rate(kbps: u32) -> Self {
        LinkModel {
            bit_rate_kbps: kbps,
            ..LinkModel::default()
        }
    }

    fn transfer_us(&self, bytes: usize) -> f64 {
        let payload_per_frame = self.frame_size.saturating_sub(3).max(1) as usize;
        let frames = bytes.div_ceil(payload_per_frame).max(1);
        // Chained frames are each acknowledged by a 3-byte R-block.
        let on_air_bytes = bytes + frames * 3 + (frames - 1) * 3;
        let bits = on_air_bytes as f64 * 9.0;
        let rate = self.bit_rate_kbps.max(1) as f64 * 1000.0;
        bits / rate * 1e6 + (2 * frames - 1) as f64 * self.frame_delay_us as f64
    }

    /// Modelled time of one exchange, µs.
    pub fn exchange_us(&self, command_len: usize, response_len: usize) -> f64 {
        self.transfer_us(command_len)
            + self.transfer_us(response_len)
            + self.apdu_overhead_us as f64
            + response_len as f64 * self.per_byte_ns as f64 / 1000.0
    }
}

/// What crossed the link.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LinkStats {
    pub apdus: usize,
    pub bytes_to_chip: usize,
    pub bytes_from_chip: usize,
    /// Modelled time in milliseconds.
    pub modelled_ms: f64,
}

impl LinkStats {
    /// Account for one exchange; returns its modelled time, µs.
    pub fn record(&mut self, model: &LinkModel, command_len: usize, response_len: usize) -> f64 {
        self.apdus += 1;
        self.bytes_to_chip += command_len;
        self.bytes_from_chip += response_len;
        let us = model.exchange_us(command_len, response_len);
        self.modelled_ms += us / 1000.0;
        us
    }

    /// Account for chip work beyond the link model (a slow operation), µs.
    pub fn add_work(&mut self, us: f64) {
        self.modelled_ms += us / 1000.0;
    }
}

/// The modelled time that has passed on the link, shared: a test's clock reads it, so that the
/// reader's per-command time budget is measured against the modelled chip (sans-IO, no
/// sleeping). Cloning shares the same time.
#[derive(Debug, Clone, Default)]
pub struct ModelledTime(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl ModelledTime {
    /// Microseconds modelled since the chip was built.
    pub fn micros(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub(crate) fn advance(&self, us: u64) {
        self.0.fetch_add(us, std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faster_links_and_fewer_apdus_cost_less() {
        let slow = LinkModel::at_rate(106);
        let fast = LinkModel::at_rate(848);
        assert!(fast.exchange_us(20, 250) < slow.exchange_us(20, 250));
        // Reading 2000 bytes in 223-byte blocks versus one extended block.
        let many: f64 = (0..9).map(|_| fast.exchange_us(20, 240)).sum();
        let one = fast.exchange_us(22, 2030);
        assert!(one < many);
        // 10 bytes at 106 kbit/s: (10 + 3) * 9 bits = 117 bits = ~1104 µs + one frame delay.
        let t = slow.transfer_us(10);
        assert!((t - (117.0 / 106_000.0 * 1e6 + 100.0)).abs() < 1e-6);
    }
}
