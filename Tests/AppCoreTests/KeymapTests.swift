import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("Keymap: one table drives key handling, the help, the status hints and README's key table")
struct KeymapTests {
  /// The keys a help label names (`→ l space`, `0 home G end`, `↑ ↓ enter`, `PgDn PgUp`).
  static func keys(named label: String) -> [Key] {
    let named: [String: Key] = [
      "→": .right, "←": .left, "↓": .down, "↑": .up, "space": .char(" "), "bksp": .backspace, "tab": .tab,
      "S-tab": .backTab, "enter": .enter, "esc": .escape, "PgDn": .pageDown, "PgUp": .pageUp, "home": .home,
      "end": .end, "C-r": .char("\u{12}"),
    ]
    return label.split(separator: " ").map { named[String($0)] ?? .char(Character(String($0))) }
  }

  /// States in which every help row is listed at least once.
  static func states() throws -> [AppState] {
    var start = try sceneApp("e2-fork-cow.scene")
    start.explore = true
    var middle = start
    send(&middle, [.right, .right, .down, .tab])
    var playing = middle
    send(&playing, [.char("v"), .char("z"), .char("n"), .char("p")])
    return [start, middle, playing, try diagram(), try asking(), undoable()]
  }

  /// An explore session with a step to undo and one to redo.
  static func undoable() -> AppState {
    var s = AppState(timeline: Timeline(title: "t", kernel: .v2_6_36), fileName: "t")
    s.explore = true
    for line in ["spawn P1", "spawn P2"] { send(&s, [.char(":")] + line.map { .char($0) } + [.enter]) }
    send(&s, [.char("u")])
    #expect(s.canUndo && s.canRedo && s.timeline.stepCount == 1)
    return s
  }

  /// E3 with the question before step 5 on screen (`present`, `play --ask`).
  static func asking() throws -> AppState {
    var s = try sceneApp("e3-three-generations.scene")
    s.askQuestions = true
    send(&s, [.char("g"), .char("4"), .enter, .right])
    #expect(s.asking == Asking(step: 5, revealed: false))
    return s
  }

  /// The diagram view at E2's fork, the forest focused, an object selected.
  static func diagram() throws -> AppState {
    var s = try sceneApp("e2-fork-cow.scene", view: .diagram)
    send(&s, [.right, .right, .right, .right, .tab, .down])
    return s
  }

  /// What a key can change, as text.
  static func fingerprint(_ s: AppState) -> String {
    "\(s.step) \(String(describing: s.micro)) \(s.focus) \(s.selection) \(String(describing: s.overlay)) "
      + "\(String(describing: s.prompt)) \(s.presenter) \(s.forestView) \(s.diagramView) \(s.folding) \(s.playing) "
      + "\(String(describing: s.message)) \(String(describing: s.compareTimeline?.kernel)) "
      + "\(String(describing: s.asking))"
  }

  @Test("no key is bound twice and every command has one binding")
  func unique() {
    var seen: Set<Key> = []
    for b in Keymap.bindings {
      for k in b.keys {
        #expect(!seen.contains(k), "\(k) is bound twice")
        seen.insert(k)
      }
    }
    for c in KeyCommand.allCases { #expect(Keymap.bindings.count { $0.command == c } == 1, "\(c)") }
  }

  @Test("every key the help names is handled, and every bound key is named in the help")
  func helpMatchesHandling() throws {
    var named: Set<Key> = []
    for s in try Self.states() {
      for (label, _) in s.validKeys {
        for k in Self.keys(named: label) {
          #expect(Keymap.binding(for: k) != nil, "help names \(k) but no binding handles it")
          named.insert(k)
        }
      }
    }
    for b in Keymap.bindings {
      for k in b.keys { #expect(named.contains(k), "\(k) (\(b.command)) is handled but not in the help") }
    }
  }

  @Test("every binding does something in a state where it applies")
  func everyBindingActs() throws {
    // In the steps pane inside a micro-step, with a message; and in the VMA pane on a selection.
    var steps = try sceneApp("e2-fork-cow.scene")
    steps.explore = true
    send(&steps, [.right, .right, .right])
    _ = steps.reduce(.selectMicro(1))
    steps.message = "hello"
    var vmasBottom = steps
    send(&vmasBottom, [.char("G"), .tab, .down])
    var vmasTop = vmasBottom
    send(&vmasTop, [.up])
    let diagram = try Self.diagram()
    let asking = try Self.asking()
    for b in Keymap.bindings {
      let acted = [steps, vmasTop, vmasBottom, diagram, asking, Self.undoable()].contains { base in
        var s = base
        let effects = s.reduce(.key(b.keys[0]))
        return !effects.isEmpty || Self.fingerprint(s) != Self.fingerprint(base)
      }
      #expect(acted, "\(b.command) (\(b.keys[0])) changed nothing")
    }
  }

  @Test("the help rows, in order, inside a micro-step with the VMA pane focused")
  func helpRows() throws {
    let middle = try Self.states()[1]
    let rows = middle.validKeys.map { "\($0.0)|\($0.1)" }
    #expect(
      rows == [
        "→ l space|next step", "← h bksp|previous step", "↓ j|next micro-step (j here: ↓ selects)",
        "↑ k|previous micro-step / back out",
        "esc K|leave the micro-steps (back to the whole step)", "g|jump to a step number or chapter",
        "/|find a process, VMA, anon_vma, page (pg1) or KSM stable node (K1)", "0 home G end|first / last step",
        "tab S-tab|focus: narration, VMAs, forest (now: VMAs)", "↑ ↓ enter|select, inspect",
        "PgDn PgUp|move the selection by 10", "v|forest as a tree", "z|unfold identical sibling subtrees",
        "c|compare with another kernel model, side by side or stacked; again: the next model, then off",
        "n|presenter notes", "p|play (auto-advance)",
        "+ -|play faster / slower (now 1.5s per step)",
        ":|run an operation, :w FILE saves, :q quits", "?|close this help (↓↑ scroll it)", "q|quit",
      ])
    // With the narration pane focused, the help says what PgDn/PgUp do there.
    var steps = middle
    steps.focus = .steps
    #expect(steps.validKeys.contains { $0.0 == "PgDn PgUp" && $0.1 == "a page of the narration" })
    // In play (not explore), ':' is the what-if prompt.
    var play = middle
    play.explore = false
    #expect(play.validKeys.contains { $0.0 == ":" && $0.1 == "what-if: run an operation in a branch from this step" })
  }

  /// The hints of a state as the status line writes them, with room for all.
  static func line(_ s: AppState, ascii: Bool = false) -> String {
    Keymap.hintLine(for: s, ascii: ascii).fitting(200)
  }

  @Test("the status hints follow the state: micro-steps, leaving them, the focused pane")
  func hints() throws {
    var s = try sceneApp("e2-fork-cow.scene")
    #expect(Self.line(s) == " ←/→ step  g jump  / find  ? help  q quit")
    send(&s, [.right])
    #expect(Self.line(s) == " ←/→ step  ↓↑ micro  g jump  / find  ? help  q quit")
    #expect(Self.line(s, ascii: true) == " <-/-> step  j/k micro  g jump  / find  ? help  q quit")
    send(&s, [.down])
    #expect(Self.line(s) == " ←/→ step  ↓↑ micro  esc leave  g jump  / find  ? help  q quit")
    send(&s, [.tab, .tab])
    #expect(Self.line(s) == " ←/→ step  ↓↑ select  j/k micro  esc leave  g jump  / find  enter inspect  ? help  q quit")
    #expect(
      Self.line(s, ascii: true)
        == " <-/-> step  up/down select  j/k micro  esc leave  g jump  / find  enter inspect  ? help  q quit")
    // A short line drops the hints of the lowest rank first (find and jump, then inspect and
    // j/k, quit and step); help stays longest. `enter inspect` outlives jump and find: it is
    // what the keys of the focused pane lead to.
    let inspect = " ←/→ step  ↓↑ select  j/k micro  esc leave  enter inspect  ? help  q quit"
    #expect(HintLine(s.hints, ascii: false).fitting(Buffer.width(inspect)) == inspect)
    #expect(
      HintLine(s.hints, ascii: false).fitting(58) == " ←/→ step  ↓↑ select  j/k micro  esc leave  ? help  q quit")
    #expect(HintLine(s.hints, ascii: false).fitting(57) == " ←/→ step  ↓↑ select  esc leave  ? help  q quit")
    #expect(HintLine(s.hints, ascii: false).fitting(40) == " ←/→ step  ↓↑ select  esc leave  ? help")
    #expect(HintLine(s.hints, ascii: false).fitting(29) == " ↓↑ select  esc leave  ? help")
    // With an overlay open the arrows scroll it (help) and esc closes it.
    send(&s, [.char("?")])
    #expect(Self.line(s) == " ↓↑ scroll  esc close")
    send(&s, [.escape])
    s.overlay = .inspector
    #expect(Self.line(s) == " esc close")
  }

  @Test("what the hint says ↓ and ↑ do is what they do, in every pane, in and out of micro-steps")
  func hintsMatchArrows() throws {
    var states: [AppState] = []
    var s = try sceneApp("e2-fork-cow.scene")
    for keys: [Key] in [[], [.right, .right, .right], [.down], [.down], [.tab], [.tab], [.tab], [.char("K")]] {
      send(&s, keys)
      states.append(s)
    }
    for base in states {
      let hint = base.hints.map(\.unicode).first { $0.hasPrefix("↓↑") }
      for key in [Key.down, .up] {
        var after = base
        send(&after, [key])
        let microMoved = after.micro != base.micro
        let selectionMoved = after.selection != base.selection
        switch hint {
        case "↓↑ micro": #expect(!selectionMoved && (microMoved || key == .up || base.micro != nil))
        case "↓↑ select": #expect(!microMoved && base.focus != .steps)
        default: #expect(!microMoved && !selectionMoved, "\(key) acts at step \(base.step) with no hint")
        }
      }
      if hint == "↓↑ micro" {
        var after = base
        send(&after, [.down])
        #expect(after.micro != nil, "↓ goes into or on through the micro-steps")
      }
    }
  }

  @Test("the frame's status line shows the hints of the state")
  func hintsInFrame() throws {
    var d = AppDriver(try sceneApp("e2-fork-cow.scene"), width: 120, height: 40)
    d.press(.right, .down)
    #expect(d.screen.split(separator: "\n").last?.hasPrefix(" ←/→ step  ↓↑ micro  esc leave") == true)
    d.press(.escape)
    #expect(d.state.micro == nil)
    #expect(d.screen.split(separator: "\n").last?.hasPrefix(" ←/→ step  ↓↑ micro  g jump") == true)
  }

  @Test("README's key table is the keymap's (UPDATE_README=1 rewrites it)")
  func readmeTable() throws {
    let url = repoRoot.appendingPathComponent("README.md")
    let readme = try String(contentsOf: url, encoding: .utf8)
    let begin = try #require(readme.range(of: "<!-- keys: generated from Sources/AppCore/Keymap.swift"))
    let lineEnd = try #require(readme[begin.upperBound...].range(of: "\n"))
    let end = try #require(readme.range(of: "<!-- end of keys -->"))
    let table = String(readme[lineEnd.upperBound..<end.lowerBound])
    if ProcessInfo.processInfo.environment["UPDATE_README"] == "1" {
      let updated = readme.replacingCharacters(in: lineEnd.upperBound..<end.lowerBound, with: Keymap.markdownTable)
      try Data(updated.utf8).write(to: url)
      return
    }
    #expect(table == Keymap.markdownTable, "README's key table differs; rewrite it with UPDATE_README=1 and review")
    // Every bound key is in the table: each binding's keys, by name, in its row or another's.
    let named = Set(table.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) })
    for b in Keymap.bindings {
      for k in b.keys {
        let name = named.contains { Self.keys(named: $0) == [k] }
        #expect(name, "\(k) (\(b.command)) is not in README's key table")
      }
    }
  }
}
