import Foundation
import SafeText
import Synchronization

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
  static func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
  }

  /// Median and (max - min) of repeated timings, after `warmup` untimed runs.
  static func measure(_ runs: Int, warmup: Int = 0, _ body: () -> Void) -> (median: Double, spread: Double) {
    for _ in 0..<warmup { body() }
    var times: [Double] = []
    for _ in 0..<max(1, runs) {
      let start = ContinuousClock.now
      body()
      times.append(seconds(ContinuousClock.now - start))
    }
    times.sort()
    return (times[times.count / 2], (times.last ?? 0) - (times.first ?? 0))
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

/// The bench's progress line on standard error (when it is a terminal), drawn between
/// measurements, never during one. ctrl-C asks the bench to skip the groups not yet measured and
/// print the figures so far; a second ctrl-C ends it at once.
final class Progress {
  private static let interrupts = Atomic<Int>(0)
  private let enabled: Bool
  private let start = ContinuousClock.now
  private var shown = false

  init(quiet: Bool) {
    enabled = !quiet && isatty(STDERR_FILENO) != 0
    Progress.interrupts.store(0, ordering: .relaxed)
    signal(SIGINT) { _ in
      if Progress.interrupts.add(1, ordering: .relaxed).oldValue != 0 {
        signal(SIGINT, SIG_DFL)
        raise(SIGINT)
      }
    }
  }

  static var interrupted: Bool { interrupts.load(ordering: .relaxed) != 0 }

  /// Draws the count of figures so far; false once ctrl-C asked to stop.
  func report(_ figures: Int) -> Bool {
    guard !Progress.interrupted else { return false }
    let elapsed = Harness.seconds(ContinuousClock.now - start)
    guard enabled, elapsed >= 0.5 else { return true }
    shown = true
    let rate = Int(Double(figures) / elapsed)
    let line = "anonvis-bench: \(figures) figures · \(rate) figures/s · " + String(format: "%.1f s", elapsed)
    Output.standardError("\r" + line + " (ctrl-C stops)\u{1B}[K")
    return true
  }

  /// Erases the line and lets ctrl-C end the process again.
  func finish() {
    signal(SIGINT, SIG_DFL)
    if shown { Output.standardError("\r\u{1B}[K") }
    shown = false
  }
}

/// The standard streams. A failed write on standard output ends the bench with a message and
/// exit 2 (it is seen: FileHandle's throwing write); a closed pipe (`| head`) ends it quietly.
enum Output {
  static func standardOutput(_ text: String) {
    do {
      try FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
    } catch {
      let ns = error as NSError
      let code = Int32((ns.userInfo[NSUnderlyingErrorKey] as? NSError)?.code ?? ns.code)
      if code == EPIPE {
        signal(SIGPIPE, SIG_DFL)
        raise(SIGPIPE)
      }
      Output.error("anonvis-bench: error: cannot write standard output (\(String(cString: strerror(code))))")
      exit(2)
    }
  }

  /// A message, escaped (keeping line breaks), on standard error.
  static func error(_ text: String) {
    standardError(TextSafety.escape(text, keepNewlines: true) + "\n")
  }

  /// Bytes as they are (the progress line's control sequences); a failure there is ignored.
  static func standardError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
  }
}
