import AnonVMASim
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("The status hints say what ↓ and ↑ do now, in every state a lecturer reaches")
struct HintTests {
  /// What a key did to the state: the one thing it moved, or nothing.
  enum Action: String {
    case micro, select, legend, scroll, step, none
  }

  static func action(from a: AppState, to b: AppState) -> Action {
    if b.step != a.step { return .step }
    if b.micro != a.micro { return .micro }
    if b.selection != a.selection || b.diagramView.selection != a.diagramView.selection { return .select }
    if b.diagramView.legendScroll != a.diagramView.legendScroll { return .legend }
    if b.helpScroll != a.helpScroll { return .scroll }
    return .none
  }

  /// The actions a `↓↑` hint promises (nil: no hint, the keys do nothing).
  static func promised(_ hint: String?) -> Set<Action> {
    switch hint {
    case "↓↑ micro": return [.micro]
    case "↓↑ select": return [.select]
    case "↓↑ legend": return [.legend]
    case "↓↑ scroll": return [.scroll]
    default: return []
    }
  }

  /// The states: keys pressed from the start of a scene in a view, at a size.
  struct Case: CustomStringConvertible {
    var view: ForestView
    var keys: [Key]
    var width = 80
    var height = 24
    var explore = false
    var description: String { "\(view) \(keys) \(width)x\(height)\(explore ? " explore" : "")" }
  }

  static let cases: [Case] = {
    let fork: [Key] = [.right, .right, .right, .right]
    var cases: [Case] = []
    for view in [ForestView.diagram, .matrix] {
      cases += [
        Case(view: view, keys: []),
        Case(view: view, keys: fork),
        Case(view: view, keys: fork + [.down]),
        Case(view: view, keys: fork + Array(repeating: .down, count: 40)),
        Case(view: view, keys: fork + [.tab]),
        Case(view: view, keys: fork + [.tab, .down]),
        Case(view: view, keys: fork + [.tab, .tab]),
        Case(view: view, keys: fork + [.tab, .tab, .down, .down]),
        Case(view: view, keys: fork + [.char("?")]),
        Case(view: view, keys: fork + [.tab, .down, .enter]),
        Case(view: view, keys: fork + [.char("L")]),
        Case(view: view, keys: fork + [.tab, .char("L")]),
        Case(view: view, keys: fork + [.char("L"), .down, .down]),
        Case(view: view, keys: fork + [.char("L")] + Array(repeating: .down, count: 60)),
        Case(view: view, keys: fork + [.char("L"), .char("L")]),
        Case(view: view, keys: fork + [.char("v")]),
        Case(view: view, keys: fork + [.char("v"), .tab]),
        Case(view: view, keys: fork + [.char("v"), .tab, .char("v"), .char("v")]),
        Case(view: view, keys: fork + [.char("L")], width: 120, height: 40),
        Case(view: view, keys: fork + [.char("L")], width: 60, height: 16),
        Case(view: view, keys: fork + [.tab], width: 200, height: 60),
        Case(view: view, keys: fork, explore: true),
        Case(view: view, keys: fork + [.down, .tab], explore: true),
      ]
    }
    return cases
  }()

  static func driver(_ c: Case) throws -> AppDriver {
    var s = try sceneApp("e3-three-generations.scene", view: c.view)
    if c.explore {
      // An explore session with the scene's history, as a what-if branch makes it.
      s.go(to: 4)
      #expect(s.branch() == nil)
      s.go(to: 0)
    }
    var d = AppDriver(s, width: c.width, height: c.height)
    for k in c.keys { d.press(k) }
    return d
  }

  @Test("the ↓↑ hint on the status line is what the reducer does for ↓ and ↑", arguments: cases)
  func hintIsAction(_ c: Case) throws {
    let d = try Self.driver(c)
    let base = d.state
    let hint = base.hints.map(\.unicode).first { $0.hasPrefix("↓↑") }
    let status = d.screen.split(separator: "\n").last.map(String.init) ?? ""
    if let hint { #expect(status.contains(hint), "\(c): the status line lacks \(hint): \(status)") }
    let promise = Self.promised(hint)
    var did: [Action] = []
    for key in [Key.down, .up] {
      var after = d
      after.press(key)
      let action = Self.action(from: base, to: after.state)
      did.append(action)
      #expect(
        action == .none || promise.contains(action),
        "\(c): \(key) did \(action) but the hint is \(hint ?? "none"): \(status)")
    }
    // A hint that promises micro-steps or the selection is kept: ↓ or ↑ does it here (the legend
    // and the help may fit whole, with nothing to scroll).
    if hint == "↓↑ micro" || hint == "↓↑ select" {
      #expect(did.contains { promise.contains($0) }, "\(c): \(hint ?? "") but ↓ did \(did[0]), ↑ \(did[1])")
    }
    // The focused pane is marked on screen (its title starts with ▶), unless an overlay covers it.
    if base.overlay == nil && !base.legendOpen {
      let titles = ["narration", "anon_vma forest", "processes & VMAs"]
      let marked = titles.filter { d.screen.contains("▶ \($0)") }
      #expect(marked.count == 1, "\(c): focused panes marked: \(marked)")
    }
  }

  @Test("the legend open says so and takes ↓↑; where the diagram is not drawn, L says why and does not open it")
  func legendHints() throws {
    var d = try Self.driver(Case(view: .diagram, keys: [.right, .right, .right, .right, .char("L")]))
    #expect(d.state.legendOpen)
    #expect(d.screen.split(separator: "\n").last?.contains("↓↑ legend") == true)
    #expect(d.screen.split(separator: "\n").last?.contains("L close") == true)
    // Many ↓ go no further than the legend's last row: one ↑ moves it at once.
    for _ in 0..<80 { d.press(.down) }
    let bottom = d.state.diagramView.legendScroll
    d.press(.up)
    #expect(d.state.diagramView.legendScroll == bottom - 1)
    var small = try Self.driver(Case(view: .diagram, keys: [.right, .char("L")], width: 60, height: 16))
    #expect(!small.state.legendOpen && small.state.notice?.kind == .warning)
    #expect(small.screen.contains("no legend here"))
    small.press(.down)
    #expect(small.state.micro == 0, "↓ enters the micro-steps as its hint says")
  }

  @Test("v to the diagram with the VMA pane focused moves the focus to the forest, where the arrows act")
  func focusFollowsView() throws {
    let d = try Self.driver(Case(view: .matrix, keys: [.right, .tab, .char("v"), .char("v")]))
    #expect(d.state.forestView == .diagram && d.state.focus == .forest)
  }

  @Test("z in the diagram says nothing folds when the whole forest fits the pane")
  func foldInDiagram() throws {
    let source = "kernel 2.6.36\nspawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2\nfork P1 P3\nfork P1 P4\nfork P1 P5\n"
    var d = AppDriver(app(source, view: .diagram), width: 200, height: 60)
    d.press(.char("G"))
    #expect(d.state.layout.diagram?.folded != nil, "identical siblings to fold")
    var shown = d.state.foldsShown
    #expect(!shown, "the whole diagram fits at 200x60")
    d.press(.char("z"))
    #expect(d.state.notice?.kind == .warning)
    #expect(d.screen.contains("nothing to fold: the whole diagram fits the pane"))
    // At 120x40 it does not fit: it is folded, and z unfolds it and says nothing.
    var small = AppDriver(app(source, view: .diagram), width: 120, height: 40)
    small.press(.char("G"))
    shown = small.state.foldsShown
    #expect(shown && small.screen.contains("×"))
    small.press(.char("z"))
    shown = small.state.foldsShown
    #expect(!shown && small.state.message == nil)
    // In the matrix, the same forest folds: z unfolds it and says nothing.
    var m = AppDriver(app(source, view: .matrix), width: 120, height: 40)
    m.press(.char("G"), .char("z"))
    #expect(m.state.message == nil && !m.state.folding)
  }
}
