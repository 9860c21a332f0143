/// A key press, independent of the terminal that reported it: the ncurses backend decodes its
/// input into these, `HeadlessTerminal` is scripted with them, and the app's reducer reads them.
public enum Key: Sendable, Hashable {
  case char(Character)
  case left, right, up, down
  case enter, backspace, tab, backTab, escape
  case pageUp, pageDown, home, end
}

/// What a terminal reports.
public enum TerminalInput: Sendable, Hashable {
  case key(Key)
  /// The terminal changed size (its `size` is the new one); what was on screen is gone.
  case resize
}
