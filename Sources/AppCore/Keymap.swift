import TermRender

/// What a key does in the main view (prompts and overlays read keys of their own).
public enum KeyCommand: Sendable, Hashable, CaseIterable {
  case nextStep, previousStep, microForward, microBackward
  /// Shows the model's answer to the question on screen (`ask`).
  case reveal
  /// Leaves the micro-steps at once (back to the whole step) and clears the message.
  case leaveMicro
  case jump, find, firstStep, lastStep
  case focusNext, focusPrevious, inspect
  /// ↓ and ↑: micro-steps in the steps pane, the selection in the others.
  case down, up, pageDown, pageUp
  case cycleView, pin, legend, toggleFolding, compare, presenter, play
  /// `+`/`-`: play's pace.
  case faster, slower
  /// `u` and ctrl-r: undo and redo a whole step of an explore session or what-if branch.
  case undo, redo
  case command, help, quit
}

/// A status-line hint: Unicode and ASCII text, and how long it stays when the line is short.
public struct KeyHint: Sendable, Hashable {
  public let unicode: String
  public let ascii: String
  /// Hints of the lowest rank are dropped first when the line is too short for all of them.
  let rank: Int

  init(_ unicode: String, _ ascii: String, rank: Int) {
    self.unicode = unicode
    self.ascii = ascii
    self.rank = rank
  }
}

/// What the status hints depend on: the focused pane, whether the step on screen has
/// micro-steps to enter (not step 0), whether one is shown, the overlay open, whether the
/// diagram's legend is open (it takes ↓/↑), whether this is an explore session (`:` runs
/// operations), whether esc takes the focus back to where a `/` find moved it from. Few enough that every context's status lines are computed once
/// (`Keymap.hintLines`), not per frame.
public struct HintContext: Sendable, Hashable {
  var focus: Pane
  var stepped: Bool
  var inMicro: Bool
  var overlay: Overlay?
  var legend = false
  var explore = false
  /// Whether this is a what-if branch of a played scene (`u` goes back to the scene).
  var branched = false
  /// Where esc takes the focus back to after a `/` find, if it would.
  var findReturn: Pane?

  static let all: [HintContext] = [nil, Overlay.help, .inspector].flatMap { overlay in
    Pane.allCases.flatMap { focus in
      [false, true].flatMap { stepped in
        [false, true].flatMap { inMicro in
          [false, true].flatMap { legend in
            [(false, false), (true, false), (true, true)].flatMap { explore, branched in
              ([nil] + Pane.allCases.map { $0 }).map {
                HintContext(
                  focus: focus, stepped: stepped, inMicro: inMicro, overlay: overlay, legend: legend,
                  explore: explore, branched: branched, findReturn: $0)
              }
            }
          }
        }
      }
    }
  }
}

/// A status line's hints fitted to a width: the line with every hint, then with the lowest-ranked
/// hint left out (the rightmost of equal rank first), and so on down to none, with their widths.
public struct HintLine: Sendable {
  let candidates: [(width: Int, text: String)]

  init(_ hints: [KeyHint], ascii: Bool) {
    var shown = hints
    var candidates: [(width: Int, text: String)] = []
    while true {
      let text = " " + shown.map { ascii ? $0.ascii : $0.unicode }.joined(separator: "  ")
      candidates.append((Buffer.width(text), text))
      let drop = shown.indices.min {
        shown[$0].rank < shown[$1].rank || (shown[$0].rank == shown[$1].rank && $0 > $1)
      }
      guard let drop else { break }
      shown.remove(at: drop)
    }
    self.candidates = candidates
  }

  /// The longest line at most `width` cells wide.
  func fitting(_ width: Int) -> String {
    candidates.first { $0.width <= width }?.text ?? ""
  }
}

/// A key binding: its keys, its command, and how the `?` help, the README and the status line
/// show it (bubbletea's `key.Binding` with its help).
public struct KeyBinding: Sendable {
  public let keys: [Key]
  public let command: KeyCommand
  /// How help names the keys (`→ l space`); nil: named under another binding's row (`G end`
  /// under `0 home G end`, `↓` under `↓ j`).
  public let label: String?
  /// What the keys do, in README's key table (the help says it for the state it is shown in).
  public let summary: String
  /// The help text, in the state it is shown for.
  let help: @Sendable (AppState) -> String
  /// Whether the help lists the row now.
  let valid: @Sendable (AppState) -> Bool
  /// The status line's hint in a context, if the binding has one then.
  let hint: @Sendable (HintContext) -> KeyHint?

  init(
    _ keys: [Key], _ command: KeyCommand, _ label: String?, _ summary: String = "",
    hint: @escaping @Sendable (HintContext) -> KeyHint? = { _ in nil },
    when valid: @escaping @Sendable (AppState) -> Bool = { _ in true },
    help: @escaping @Sendable (AppState) -> String = { _ in "" }
  ) {
    self.keys = keys
    self.command = command
    self.label = label
    self.summary = summary
    self.hint = hint
    self.valid = valid
    self.help = help
  }
}

/// The one table of key bindings: it drives key handling (`reduce`), the `?` help overlay
/// (`validKeys`), the status-line hints (`hints`) and README's key table (`markdownTable`), in
/// this order.
public enum Keymap {
  public static let bindings: [KeyBinding] = [
    KeyBinding(
      [.right, .char("l"), .char(" ")], .nextStep, "→ l space", "next step",
      hint: { _ in KeyHint("←/→ step", "<-/-> step", rank: 3) },
      when: { $0.step < $0.timeline.stepCount },
      help: { $0.asking.map { $0.revealed ? "show the step" : "reveal the answer" } ?? "next step" }),
    KeyBinding(
      [.char("a")], .reveal, "a", "reveal the model's answer to the question on screen (→ too; then → shows the step)",
      when: { $0.asking?.revealed == false }, help: { _ in "reveal the model's answer to the question" }),
    KeyBinding(
      [.left, .char("h"), .backspace], .previousStep, "← h bksp", "previous step", when: { $0.step > 0 },
      help: { _ in "previous step" }),
    // ↓ and ↑ first: their hint says what they do now (the legend, micro-steps or the selection).
    KeyBinding(
      [.down], .down, nil,
      hint: { s in
        if s.legend { return KeyHint("↓↑ legend", "up/down legend", rank: 4) }
        if s.focus != .steps { return KeyHint("↓↑ select", "up/down select", rank: 4) }
        return s.stepped ? KeyHint("↓↑ micro", "j/k micro", rank: 4) : nil
      }),
    KeyBinding([.up], .up, nil),
    KeyBinding(
      [.char("j")], .microForward, "↓ j", "into the step's micro-steps, then the next one",
      hint: { s in
        (s.focus != .steps || s.legend) && s.stepped ? KeyHint("j/k micro", "j/k micro", rank: 2) : nil
      },
      when: { $0.step > 0 },
      help: {
        // In the forest or VMA pane ↓ moves the selection: only j steps in.
        ($0.micro == nil ? "into the step's micro-steps" : "next micro-step")
          + ($0.focus != .steps && !$0.legendOpen ? " (j here: ↓ selects)" : "")
      }),
    KeyBinding(
      [.char("k")], .microBackward, "↑ k", "previous micro-step / back out", when: { $0.micro != nil },
      help: { _ in "previous micro-step / back out" }),
    KeyBinding(
      [.escape, .char("K")], .leaveMicro, "esc K",
      "leave the micro-steps at once; clear the message; after a / find, the focus back where it was",
      hint: {
        // After a find moved the focus, esc also takes it back: said, as what esc does now.
        if let back = $0.findReturn {
          // Which pane (the help says the same): `esc back to narration`.
          let text = ($0.inMicro ? "esc leave, back to " : "esc back to ") + AppState.paneTitle(back)
          return KeyHint(text, text, rank: 4)
        }
        return $0.inMicro ? KeyHint("esc leave", "esc leave", rank: 4) : nil
      },
      when: { $0.micro != nil || $0.message != nil || $0.findReturn != nil },
      help: { s in
        var parts: [String] = []
        if s.micro != nil { parts.append("leave the micro-steps (back to the whole step)") }
        if s.message != nil { parts.append("clear the message") }
        if let back = s.findReturn {
          parts.append("focus back to the \(AppState.paneTitle(back)) (where it was before /)")
        }
        return parts.joined(separator: "; ")
      }),
    KeyBinding(
      [.char("g")], .jump, "g", "jump to a step number or chapter",
      hint: { _ in KeyHint("g jump", "g jump", rank: 1) }, help: { _ in "jump to a step number or chapter" }),
    KeyBinding(
      [.char("/")], .find, "/", "find a process, VMA, anon_vma, page (pg1) or KSM stable node (K1)",
      hint: { _ in KeyHint("/ find", "/ find", rank: 1) },
      help: { _ in "find a process, VMA, anon_vma, page (pg1) or KSM stable node (K1)" }),
    KeyBinding(
      [.char("0"), .home], .firstStep, "0 home G end", "first / last step", help: { _ in "first / last step" }),
    KeyBinding([.char("G"), .end], .lastStep, nil),
    KeyBinding(
      [.tab], .focusNext, "tab S-tab", "focus the next / previous pane: steps, VMAs, forest",
      help: {
        // The panes by their titles on screen.
        let now = AppState.paneTitle($0.focus)
        return $0.forestView == .diagram
          ? "focus: narration, forest (now: \(now))" : "focus: narration, VMAs, forest (now: \(now))"
      }),
    KeyBinding([.backTab], .focusPrevious, nil),
    KeyBinding(
      [.enter], .inspect, "↑ ↓ enter", "select in the focused pane, inspect",
      // Above `g jump` and `/ find`: what the keys of the forest and VMA panes lead to.
      hint: { $0.focus != .steps && !$0.legend ? KeyHint("enter inspect", "enter inspect", rank: 2) : nil },
      when: { $0.focus != .steps },
      help: { _ in "select, inspect" }),
    KeyBinding(
      [.pageDown], .pageDown, "PgDn PgUp",
      "a page of the narration (narration pane: both halves when comparing), the forest diagram, the legend; the VMA or matrix selection by 10",
      help: {
        if $0.legendOpen { return "a page of the legend" }
        if $0.focus == .steps { return "a page of the narration" }
        return $0.diagramFocused ? "a page of the forest diagram" : "move the selection by 10"
      }),
    KeyBinding([.pageUp], .pageUp, nil),
    KeyBinding(
      [.char("v")], .cycleView, "v", "the forest as a diagram, a matrix or a tree, in turn",
      help: { "forest as a \($0.forestView.next.rawValue)" }),
    KeyBinding(
      [.char("P")], .pin, "P", "pin the selection: kept and in view across steps (P again releases it)",
      when: { $0.forestView == .diagram && $0.diagramView.selection != nil },
      help: { $0.diagramView.pinned ? "release the pin" : "pin the selection: kept and in view across steps" }),
    KeyBinding(
      [.char("L")], .legend, "L", "legend: every glyph, counter and abbreviation of the diagram",
      hint: { $0.legend ? KeyHint("L close", "L close", rank: 5) : nil },
      when: { $0.forestView == .diagram },
      help: { $0.diagramView.legend ? "hide the legend" : "legend: every glyph, counter and abbreviation" }),
    KeyBinding(
      [.char("z")], .toggleFolding, "z", "fold / unfold identical sibling subtrees (×N)",
      help: { $0.folding ? "unfold identical sibling subtrees" : "fold identical sibling subtrees (×N)" }),
    KeyBinding(
      [.char("c")], .compare, "c", "compare with another kernel model (again: the next model, then off)",
      when: { $0.scene != nil },
      help: { s in
        // At a size that holds one model, c cycles nothing it cannot show (``cycleCompare``).
        if let size = s.lastFrameSize, !s.compareFits(width: size.width, height: size.height) {
          let needs = s.compareNeeds(width: size.width, height: size.height)
          return s.compareTimeline != nil
            ? "turn the comparison off (it needs \(needs))" : "compare: not at this size (it needs \(needs))"
        }
        return "compare with another kernel model, side by side or stacked; again: the next model, then off"
      }),
    KeyBinding(
      [.char("n")], .presenter, "n", "presenter notes",
      help: { $0.presenter ? "hide presenter notes" : "presenter notes" }
    ),
    KeyBinding(
      [.char("p")], .play, "p", "play / pause (a step or jump key pauses)",
      help: { $0.playing ? "pause (a step or jump key pauses too)" : "play (auto-advance)" }),
    KeyBinding(
      [.char("+")], .faster, "+ -", "play faster / slower (seconds per step, shown while playing)",
      help: { "play faster / slower (now \(AppState.paceText($0.pace)) per step)" }),
    KeyBinding([.char("-")], .slower, nil),
    KeyBinding(
      [.char("u")], .undo, "u C-r", "undo / redo a whole step typed at the : prompt (a what-if branch too)",
      // In a what-if branch the way back to the scene (`:q` quits anonvis).
      hint: { $0.branched ? KeyHint("u undo (to the scene)", "u undo (to the scene)", rank: 4) : nil },
      when: { $0.canUndo || $0.canRedo },
      help: { $0.canUndo ? "undo the last step typed (C-r redoes)" : "redo the step undone" }),
    KeyBinding([.char("\u{12}")], .redo, nil),
    KeyBinding(
      [.char(":")], .command, ":", "run an operation: in explore mode; in play a what-if branch from this step",
      hint: { $0.explore ? KeyHint(": operation", ": operation", rank: 4) : nil },
      help: {
        $0.explore
          ? "run an operation, :w FILE saves, :q quits" : "what-if: run an operation in a branch from this step"
      }),
    KeyBinding(
      [.char("?")], .help, "?", "the keys valid now", hint: { _ in KeyHint("? help", "? help", rank: 5) },
      help: { _ in "close this help (↓↑ scroll it)" }),
    KeyBinding(
      [.char("q")], .quit, "q", "quit", hint: { _ in KeyHint("q quit", "q quit", rank: 3) }, help: { _ in "quit" }),
  ]

  /// The binding of a key, if any.
  public static func binding(for key: Key) -> KeyBinding? {
    bindings.first { $0.keys.contains(key) }
  }

  /// The hints while an overlay is open: it reads the keys (`reduce`), not the table.
  static func hints(_ overlay: Overlay) -> [KeyHint] {
    let close = KeyHint("esc close", "esc close", rank: 5)
    return overlay == .help ? [KeyHint("↓↑ scroll", "up/down scroll", rank: 4), close] : [close]
  }

  /// Every context's status lines (Unicode, ASCII), computed once.
  static let hintLines: [HintContext: (unicode: HintLine, ascii: HintLine)] = Dictionary(
    uniqueKeysWithValues: HintContext.all.map { c in
      let hints = c.overlay.map { Keymap.hints($0) } ?? bindings.compactMap { $0.hint(c) }
      return (c, (HintLine(hints, ascii: false), HintLine(hints, ascii: true)))
    })

  /// The status line's hints in a state.
  static func hintLine(for state: AppState, ascii: Bool) -> HintLine {
    let lines = hintLines[state.hintContext] ?? (HintLine([], ascii: false), HintLine([], ascii: true))
    return ascii ? lines.ascii : lines.unicode
  }

  /// README's key table (Markdown): every labelled binding's keys and summary.
  public static var markdownTable: String {
    var out = "| Keys | What they do |\n|---|---|\n"
    for b in bindings {
      guard let label = b.label else { continue }
      out += "| " + label.split(separator: " ").map { "`\($0)`" }.joined(separator: " ") + " | \(b.summary) |\n"
    }
    return out
  }
}

extension AppState {
  /// Keys valid now, for the help overlay: (keys, what they do).
  public var validKeys: [(String, String)] {
    Keymap.bindings.compactMap { b in
      guard let label = b.label, b.valid(self) else { return nil }
      return (label, b.help(self))
    }
  }

  /// What the status hints depend on now.
  var hintContext: HintContext {
    HintContext(
      focus: focus, stepped: step > 0, inMicro: micro != nil, overlay: overlay ?? keysHeldBy, legend: legendOpen,
      explore: explore, branched: explore && branchedAt != nil, findReturn: findReturn)
  }

  /// A pane as its title names it (the help's words for the focus).
  static func paneTitle(_ pane: Pane) -> String { pane == .steps ? "narration" : pane == .vmas ? "VMAs" : "forest" }

  /// The status line's hints now, in table order: what `↓`/`↑` do in the focused pane, how to
  /// leave micro-steps while in them.
  public var hints: [KeyHint] {
    let context = hintContext
    return context.overlay.map { Keymap.hints($0) } ?? Keymap.bindings.compactMap { $0.hint(context) }
  }
}
