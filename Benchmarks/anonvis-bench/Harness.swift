import Foundation
import StandardStreams

/// One measured figure, printed beside its target when it has one.
struct Figure {
  var name: String
  var value: Double
  var unit: String
  var spread: Double?
  var target: Double?
  var note: String = ""

  var met: Bool? { target.map { value <= $0 } }
}

/// Timing and memory probes.
enum Harness {
  /// Median and (max - min) of repeated timings, after `warmup` untimed runs.
  static func measure(_ runs: Int, warmup: Int = 0, _ body: () -> Void) -> (median: Double, spread: Double) {
    for _ in 0..<warmup { body() }
    var times: [Double] = []
    for _ in 0..<max(1, runs) {
      let start = ContinuousClock.now
      body()
      times.append((ContinuousClock.now - start).inSeconds)
    }
    times.sort()
    return (times[times.count / 2], (times.last ?? 0) - (times.first ?? 0))
  }

  /// The process's CPU time so far (user and system, every thread), in seconds: for a search on
  /// one thread, less moved by other work on a shared machine than the time on the clock.
  static func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    return user + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
  }

  static func peakRSSMB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
  }

  static func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
  }
}
