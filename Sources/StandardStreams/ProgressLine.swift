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
  /// `detail` (made only when the line is drawn) follows the rate: more figures of the work, as
  /// they are (escape outside text in them).
  /// The first `kept` parts of `detail` are the last to go on a narrow terminal (after the rate,
  /// the time and the other details): `races` keeps the resident memory it is bounded by.
  public func report(_ done: Int, _ total: Int?, detail: @autoclosure () -> [String] = [], kept: Int = 0) -> Bool {
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
      let details = detail()
      let parts =
        ["\(what): \(grouped(done))\(of) \(unit)", "\(grouped(rate)) \(unit)/s"] + details
        + [String(format: "%.1f s", elapsed)]
      // Three columns short of the terminal's width: a line that wraps (or that the echoed
      // "^C" wraps) cannot be redrawn or erased in place.
      let line = Self.fit(
        parts, hint: " (ctrl-C stops)", width: Self.columns() - 3,
        dropOrder: Self.dropOrder(details: details.count, kept: kept))
      writeStandardError("\r" + line + "\u{1B}[K")
    }
    return true
  }

  /// The order ``report(_:_:detail:kept:)``'s parts (what and count, rate, `details` details,
  /// time) go: the details not kept (last first), the rate, the time, then the kept details
  /// (last first). The first part stays.
  static func dropOrder(details: Int, kept: Int) -> [Int] {
    let kept = min(max(0, kept), details)
    let others = (2 + kept..<2 + details).reversed()
    return Array(others) + [1, 2 + details] + (2..<2 + kept).reversed()
  }

  /// `parts` joined by " · ", then `hint`, in `width` columns: without the hint if it does not
  /// fit, then without parts in `dropOrder` (indices into `parts`; by default the last first),
  /// then cut. The parts left keep their order.
  static func fit(_ parts: [String], hint: String, width: Int, dropOrder: [Int]? = nil) -> String {
    var line = parts.joined(separator: " · ")
    if columns(line + hint) <= width { return line + hint }
    var dropped = Set<Int>()
    for i in dropOrder ?? Array((1..<max(1, parts.count)).reversed()) where i > 0 && i < parts.count {
      guard columns(line) > width else { break }
      dropped.insert(i)
      line = parts.indices.filter { !dropped.contains($0) }.map { parts[$0] }.joined(separator: " · ")
    }
    return clip(line, to: width)
  }

  /// The width of the terminal standard error is on (80 when it cannot be read).
  static func columns() -> Int {
    var size = winsize()
    guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
    return Int(size.ws_col)
  }

  /// The columns `text` takes (it holds no control characters: it is escaped).
  static func columns(_ text: String) -> Int {
    text.unicodeScalars.reduce(0) { $0 + max(0, DisplayWidth.of($1.value)) }
  }

  /// `text` cut to `width` columns (it holds no control characters: it is escaped).
  static func clip(_ text: String, to width: Int) -> String {
    var used = 0
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      let w = max(0, DisplayWidth.of(scalar.value))
      if used + w > width { break }
      used += w
      out.append(scalar)
    }
    return String(out)
  }

  /// Erases the line and lets ctrl-C (and SIGTERM) end the process again.
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
/// the work ends, for the program to say it was interrupted. ``catchTerminate()`` makes SIGTERM
/// a request too (`races`: the summary of what was covered, exit 143). A second signal ends the
/// process at once, by the signal's default action, after erasing the progress line.
public enum Interrupt {
  /// The signal that asked to stop, 0 for none.
  private static let flag = Atomic<Int32>(0)
  /// Whether standard error is a terminal (read before any signal: `isatty` is not
  /// async-signal-safe).
  private static let erase = Atomic<Bool>(false)

  public static var requested: Bool { flag.load(ordering: .relaxed) != 0 }

  /// The signal that asked to stop (SIGINT or SIGTERM), 0 for none.
  public static var signal: Int32 { flag.load(ordering: .relaxed) }

  /// The exit status of a process stopped by that signal: 128 + its number (130 for ctrl-C).
  public static var exitStatus: Int32 { 128 + max(signal, SIGINT) }

  public static func arm() {
    flag.store(0, ordering: .relaxed)
    erase.store(isatty(STDERR_FILENO) != 0, ordering: .relaxed)
    Glibc.signal(SIGINT, handle)
  }

  /// SIGTERM asks to stop too, until ``disarm()``.
  public static func catchTerminate() { Glibc.signal(SIGTERM, handle) }

  public static func disarm() {
    Glibc.signal(SIGINT, SIG_DFL)
    Glibc.signal(SIGTERM, SIG_DFL)
  }

  private static let handle: @convention(c) (Int32) -> Void = { sig in
    // A second signal: the work did not stop in time; end now, as the signal does.
    if Interrupt.flag.compareExchange(expected: 0, desired: sig, ordering: .relaxed).exchanged { return }
    if Interrupt.erase.load(ordering: .relaxed) {
      let bytes: StaticString = "\r\u{1B}[K"
      _ = Glibc.write(STDERR_FILENO, bytes.utf8Start, bytes.utf8CodeUnitCount)
    }
    Glibc.signal(sig, SIG_DFL)
    raise(sig)
  }
}
