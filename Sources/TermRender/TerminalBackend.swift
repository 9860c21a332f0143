/// A terminal the app runs on: `NcursesTerminal` for a person, `HeadlessTerminal` for tests,
/// recordings and the bench. The runtime renders a `Buffer`, hands it to `draw`, and reads keys;
/// the backend decides how to put the frame on its screen.
///
/// Backends are used from one thread (the runtime's loop) and own their device, hence classes.
public protocol TerminalBackend: AnyObject {
  /// The size in cells.
  var size: (width: Int, height: Int) { get }

  /// Shows a frame: draws only the cells that differ from the frame drawn before (every cell
  /// after `invalidate()` or the first time).
  func draw(_ frame: Buffer)

  /// Forgets what is on screen (after a resize or resume): the next draw repaints everything.
  func invalidate()

  /// Waits up to `milliseconds` for input; nil when none came in that time.
  func read(timeout milliseconds: Int) -> TerminalInput?

  /// A signal that ends the session (SIGINT, SIGTERM, SIGHUP, ...), if one arrived.
  func pendingSignal() -> Int32?

  /// Restores the terminal (idempotent): every exit path of the runtime ends here.
  func end()
}
