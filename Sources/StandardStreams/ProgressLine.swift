import Foundation
import SafeText
import Synchronization

/// Progress of long work on standard error, when it is a terminal: `WHAT: DONE [of TOTAL] UNIT ·
/// RATE UNIT/s · SECONDS s (ctrl-C stops)`, redrawn in place at most four times a second once the
/// work has run half a second, erased when it ends. ctrl-C during the work asks it to stop (the
/// program then prints what was done); a second ctrl-C ends at once.
public final class ProgressLine: Sendable {
  private struct State {
    var shown = false
    /// Set by `finish()`: the work this line reported is over, and a report after it (a timeline
    /// built later with the same limits, e.g. by the interactive view under ncurses) draws nothing.
    var finished = false
    var last: ContinuousClock.Instant
    let start: ContinuousClock.Instant
  }
  private let what: String
  private let unit: String
  private let enabled: Bool
  private let state: Mutex<State>

  /// `what` is shown as it is: escape outside text in it.
  public init(_ what: String, unit: String, quiet: Bool) {
    self.what = what
    self.unit = unit
    enabled = !quiet && isatty(STDERR_FILENO) != 0
    let now = ContinuousClock.now
    state = Mutex(State(last: now, start: now))
    Interrupt.arm()
  }

  /// Draws `done` (of `total`) and answers whether to go on (false once ctrl-C asked to stop).
  public func report(_ done: Int, _ total: Int?) -> Bool {
    guard !Interrupt.requested else { return false }
    guard enabled else { return true }
    let now = ContinuousClock.now
    state.withLock { s in
      guard !s.finished, now - s.start >= .milliseconds(500), now - s.last >= .milliseconds(250) else { return }
      s.last = now
      s.shown = true
      let elapsed = (now - s.start).inSeconds
      let rate = elapsed > 0 ? Int(Double(done) / elapsed) : 0
      let of = total.map { " of \(grouped($0))" } ?? ""
      let line =
        "\(what): \(grouped(done))\(of) \(unit) · \(grouped(rate)) \(unit)/s · "
        + String(format: "%.1f s", elapsed) + " (ctrl-C stops)"
      writeStandardError("\r" + line + "\u{1B}[K")
    }
    return true
  }

  /// Erases the line and lets ctrl-C end the process again.
  public func finish() {
    Interrupt.disarm()
    state.withLock { s in
      if s.shown { writeStandardError("\r\u{1B}[K") }
      s.shown = false
      s.finished = true
    }
  }
}

/// ctrl-C as a request to stop long work, polled by ``ProgressLine``; it stays requested after
/// the work ends, for the program to say it was interrupted.
public enum Interrupt {
  private static let flag = Atomic<Int>(0)

  public static var requested: Bool { flag.load(ordering: .relaxed) != 0 }

  public static func arm() {
    flag.store(0, ordering: .relaxed)
    signal(SIGINT) { _ in
      // A second ctrl-C: the work did not stop in time; end now, as ctrl-C does.
      if Interrupt.flag.exchange(1, ordering: .relaxed) != 0 {
        signal(SIGINT, SIG_DFL)
        raise(SIGINT)
      }
    }
  }

  public static func disarm() { signal(SIGINT, SIG_DFL) }
}
