import TermRender

/// What a key does in the main view (prompts and overlays read keys of their own).
public enum Command: Sendable, Hashable, CaseIterable {
  case nextStep, previousStep, microForward, microBackward
  case jump, find, firstStep, lastStep
  case focusNext, focusPrevious, inspect
  /// ↓ and ↑: micro-steps in the steps pane, the selection in the others.
  case down, up, pageDown, pageUp
  case toggleTree, toggleFolding, compare, presenter, play, command, help, quit
  /// Clears the message.
  case dismiss
}

/// A key binding: its keys, its command, and how the `?` help and the status line show it
/// (bubbletea's `key.Binding` with its help).
public struct Binding: Sendable {
  public let keys: [Key]
  public let command: Command
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
    _ keys: [Key], _ command: Command, _ label: String?, listed: Bool = true, hint: (String, String)? = nil,
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
  public static let bindings: [Binding] = [
    Binding([.right, .char("l"), .char(" ")], .nextStep, "→ l space", hint: ("←/→ step", "<-/-> step"),
      when: { $0.step < $0.timeline.stepCount }, help: { _ in "next step" }),
    Binding([.left, .char("h"), .backspace], .previousStep, "← h bksp", when: { $0.step > 0 },
      help: { _ in "previous step" }),
    Binding([.char("j")], .microForward, "↓ j", hint: ("↓↑ micro", "j/k micro"), when: { $0.step > 0 },
      help: { $0.micro == nil ? "into the step's micro-steps" : "next micro-step" }),
    Binding([.char("k")], .microBackward, "↑ k", when: { $0.micro != nil },
      help: { _ in "previous micro-step / back out" }),
    Binding([.char("g")], .jump, "g", hint: ("g jump", "g jump"), help: { _ in "jump to a step number or chapter" }),
    Binding([.char("/")], .find, "/", hint: ("/ find", "/ find"), help: { _ in "find a process, VMA, anon_vma or page" }),
    Binding([.char("0"), .home], .firstStep, "0 G", help: { _ in "first / last step" }),
    Binding([.char("G"), .end], .lastStep, nil),
    Binding([.tab], .focusNext, "tab", help: { "focus: steps, VMAs, forest (now: \($0.focus))" }),
    Binding([.backTab], .focusPrevious, nil, listed: false),
    Binding([.enter], .inspect, "↑ ↓ enter", when: { $0.focus != .steps }, help: { _ in "select, inspect" }),
    Binding([.down], .down, nil),
    Binding([.up], .up, nil),
    Binding([.pageDown], .pageDown, nil, listed: false),
    Binding([.pageUp], .pageUp, nil, listed: false),
    Binding([.char("v")], .toggleTree, "v", help: { $0.treeLayout ? "forest as a matrix" : "forest as a tree" }),
    Binding([.char("z")], .toggleFolding, "z",
      help: { $0.folding ? "unfold identical sibling subtrees" : "fold identical sibling subtrees (×N)" }),
    Binding([.char("c")], .compare, "c", when: { $0.scene != nil },
      help: { _ in "compare side by side with another kernel model" }),
    Binding([.char("n")], .presenter, "n", help: { $0.presenter ? "hide presenter notes" : "presenter notes" }),
    Binding([.char("p")], .play, "p", help: { $0.playing ? "pause" : "play (auto-advance)" }),
    Binding([.char(":")], .command, ":", when: { $0.explore }, help: { _ in "run an operation, :w FILE saves, :q quits" }),
    Binding([.char("?")], .help, "?", hint: ("? help", "? help"), help: { _ in "close this help" }),
    Binding([.char("q")], .quit, "q", hint: ("q quit", "q quit"), help: { _ in "quit" }),
    Binding([.escape], .dismiss, nil, listed: false),
  ]

  /// The binding of a key, if any.
  public static func binding(for key: Key) -> Binding? {
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
