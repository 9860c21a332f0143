import TermRender

/// What a key does in the main view (prompts and overlays read keys of their own).
public enum KeyCommand: Sendable, Hashable, CaseIterable {
  case nextStep, previousStep, microForward, microBackward
  case jump, find, firstStep, lastStep
  case focusNext, focusPrevious, inspect
  /// ↓ and ↑: micro-steps in the steps pane, the selection in the others.
  case down, up, pageDown, pageUp
  case cycleView, pin, legend, toggleFolding, compare, presenter, play, command, help, quit
  /// Clears the message.
  case dismiss
}

/// A key binding: its keys, its command, and how the `?` help and the status line show it
/// (bubbletea's `key.Binding` with its help).
public struct KeyBinding: Sendable {
  public let keys: [Key]
  public let command: KeyCommand
  /// How help names the keys (`→ l space`); nil: listed under another binding's row (`G` under
  /// `0 G`, `↓` under `↓ j`) or, for `listed == false`, not in help.
  public let label: String?
  /// Whether the binding is named in help at all (page keys, shift-tab and esc are not).
  public let listed: Bool
  /// The help text, in the state it is shown for.
  let help: @Sendable (AppState) -> String
  /// Whether the help lists the row now.
  let valid: @Sendable (AppState) -> Bool
  /// The status line's hint: Unicode and ASCII.
  let hint: (unicode: String, ascii: String)?

  init(
    _ keys: [Key], _ command: KeyCommand, _ label: String?, listed: Bool = true, hint: (String, String)? = nil,
    when valid: @escaping @Sendable (AppState) -> Bool = { _ in true },
    help: @escaping @Sendable (AppState) -> String = { _ in "" }
  ) {
    self.keys = keys
    self.command = command
    self.label = label
    self.listed = listed
    self.hint = hint.map { (unicode: $0.0, ascii: $0.1) }
    self.valid = valid
    self.help = help
  }
}

/// The one table of key bindings: it drives key handling (`reduce`), the `?` help overlay
/// (`validKeys`) and the status-line hints, in this order.
public enum Keymap {
  public static let bindings: [KeyBinding] = [
    KeyBinding(
      [.right, .char("l"), .char(" ")], .nextStep, "→ l space", hint: ("←/→ step", "<-/-> step"),
      when: { $0.step < $0.timeline.stepCount }, help: { _ in "next step" }),
    KeyBinding(
      [.left, .char("h"), .backspace], .previousStep, "← h bksp", when: { $0.step > 0 },
      help: { _ in "previous step" }),
    KeyBinding(
      [.char("j")], .microForward, "↓ j", hint: ("↓↑ micro", "j/k micro"), when: { $0.step > 0 },
      help: { $0.micro == nil ? "into the step's micro-steps" : "next micro-step" }),
    KeyBinding(
      [.char("k")], .microBackward, "↑ k", when: { $0.micro != nil },
      help: { _ in "previous micro-step / back out" }),
    KeyBinding([.char("g")], .jump, "g", hint: ("g jump", "g jump"), help: { _ in "jump to a step number or chapter" }),
    KeyBinding(
      [.char("/")], .find, "/", hint: ("/ find", "/ find"), help: { _ in "find a process, VMA, anon_vma or page" }),
    KeyBinding([.char("0"), .home], .firstStep, "0 G", help: { _ in "first / last step" }),
    KeyBinding([.char("G"), .end], .lastStep, nil),
    KeyBinding(
      [.tab], .focusNext, "tab",
      help: {
        $0.forestView == .diagram
          ? "focus: steps, forest (now: \($0.focus))" : "focus: steps, VMAs, forest (now: \($0.focus))"
      }),
    KeyBinding([.backTab], .focusPrevious, nil, listed: false),
    KeyBinding([.enter], .inspect, "↑ ↓ enter", when: { $0.focus != .steps }, help: { _ in "select, inspect" }),
    KeyBinding([.down], .down, nil),
    KeyBinding([.up], .up, nil),
    KeyBinding([.pageDown], .pageDown, nil, listed: false),
    KeyBinding([.pageUp], .pageUp, nil, listed: false),
    KeyBinding([.char("v")], .cycleView, "v", help: { "forest as a \($0.forestView.next.rawValue)" }),
    KeyBinding(
      [.char("P")], .pin, "P", when: { $0.forestView == .diagram && $0.diagramView.selection != nil },
      help: { $0.diagramView.pinned ? "release the pin" : "pin the selection: kept and in view across steps" }),
    KeyBinding(
      [.char("L")], .legend, "L", when: { $0.forestView == .diagram },
      help: { $0.diagramView.legend ? "hide the legend" : "legend: every glyph, counter and abbreviation" }),
    KeyBinding(
      [.char("z")], .toggleFolding, "z",
      help: { $0.folding ? "unfold identical sibling subtrees" : "fold identical sibling subtrees (×N)" }),
    KeyBinding(
      [.char("c")], .compare, "c", when: { $0.scene != nil },
      help: { _ in "compare side by side with another kernel model" }),
    KeyBinding([.char("n")], .presenter, "n", help: { $0.presenter ? "hide presenter notes" : "presenter notes" }),
    KeyBinding([.char("p")], .play, "p", help: { $0.playing ? "pause" : "play (auto-advance)" }),
    KeyBinding(
      [.char(":")], .command, ":", when: { $0.explore }, help: { _ in "run an operation, :w FILE saves, :q quits" }),
    KeyBinding([.char("?")], .help, "?", hint: ("? help", "? help"), help: { _ in "close this help" }),
    KeyBinding([.char("q")], .quit, "q", hint: ("q quit", "q quit"), help: { _ in "quit" }),
    KeyBinding([.escape], .dismiss, nil, listed: false),
  ]

  /// The binding of a key, if any.
  public static func binding(for key: Key) -> KeyBinding? {
    bindings.first { $0.keys.contains(key) }
  }

  /// The status line's key hints.
  static func hints(ascii: Bool) -> String {
    " " + bindings.compactMap { b in b.hint.map { ascii ? $0.ascii : $0.unicode } }.joined(separator: "  ")
  }
  static let unicodeHints = hints(ascii: false)
  static let asciiHints = hints(ascii: true)
}

extension AppState {
  /// Keys valid now, for the help overlay: (keys, what they do).
  public var validKeys: [(String, String)] {
    Keymap.bindings.compactMap { b in
      guard let label = b.label, b.valid(self) else { return nil }
      return (label, b.help(self))
    }
  }
}
