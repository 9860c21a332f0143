/// A key press, independent of the terminal that reported it: the ncurses backend decodes its
/// input into these, `HeadlessTerminal` is scripted with them, and the app's reducer reads them.
public enum Key: Sendable, Hashable {
  case char(Character)
  case left, right, up, down
  case enter, backspace, tab, backTab, escape
  case pageUp, pageDown, home, end
}

/// A mouse event at a cell (0-based column and row of the whole terminal), where the terminal
/// reports one: a press of the first button or a turn of the wheel.
public struct MouseEvent: Sendable, Hashable {
  public enum Action: Sendable, Hashable {
    case press, wheelUp, wheelDown
  }

  public var action: Action
  public var x: Int
  public var y: Int

  public init(_ action: Action, x: Int, y: Int) {
    self.action = action
    self.x = x
    self.y = y
  }
}

/// What a terminal reports.
public enum TerminalInput: Sendable, Hashable {
  case key(Key)
  case mouse(MouseEvent)
  /// The terminal changed size (its `size` is the new one); what was on screen is gone.
  case resize
}
