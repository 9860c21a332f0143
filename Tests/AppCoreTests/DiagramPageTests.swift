import AnonVMASim
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// The pages a diagram of `w` must let the user select: every page not freed whose
/// `page->mapping` is a live anon_vma or a live KSM stable node (read from the model).
private func filedPages(_ w: World) -> Set<ForestDiagram.Object> {
  var result = Set<ForestDiagram.Object>()
  for page in w.pages where !page.freed {
    switch page.mapping {
    case .anon(let a) where w[anonVMA: a].alive: result.insert(.page(page.id))
    case .ksm(let k) where w.stableNodes[k.raw - 1].alive: result.insert(.page(page.id))
    default: break
    }
  }
  return result
}

@Suite("Pages in the diagram: selected with ↓/↑, a click or /, pinned, inspected")
struct DiagramPageTests {
  @Test(
    "↓ from the top reaches every page of every step, and the stable nodes; ↑ walks back the same way",
    arguments: planScenes.indices)
  func cyclingReachesEveryPage(index: Int) throws {
    let (file, kernel) = planScenes[index]
    var state = try sceneApp(file, view: .diagram)
    if let kernel, let scene = state.scene {
      state = AppState(timeline: Timeline(scene: scene, defaultTitle: file, kernel: kernel), fileName: file)
      state.forestView = .diagram
    }
    var driver = AppDriver(state, width: 120, height: 40)
    driver.press(.tab)
    #expect(driver.state.focus == .forest)
    var pagesSeen = 0
    for k in 0...driver.state.timeline.stepCount {
      if k > 0 { driver.press(.right) }
      #expect(driver.state.step == k)
      let w = driver.state.world
      let count = try #require(driver.state.shownDiagram?.objects.count)
      var down: [ForestDiagram.Object] = []
      for _ in 0..<count {
        driver.press(.down)
        if let s = driver.state.diagramView.selection, down.last != s { down.append(s) }
      }
      let expected = filedPages(w)
      let missing = expected.subtracting(down)
      #expect(missing.isEmpty, "\(file) step \(k): ↓ never selected \(missing)")
      for node in w.stableNodes where node.alive {
        #expect(down.contains(.stableNode(node.id)), "\(file) step \(k): K\(node.id.raw) not reached")
      }
      var up: [ForestDiagram.Object] = [down.last].compactMap { $0 }
      for _ in 0..<count {
        driver.press(.up)
        if let s = driver.state.diagramView.selection, up.last != s { up.append(s) }
      }
      #expect(up == down.reversed(), "\(file) step \(k)")
      pagesSeen += expected.count
      // The step moves on with nothing selected (no pin).
      driver.press(.escape)
    }
    #expect(pagesSeen > 0, "\(file): no page in any step")
  }

  @Test(
    "placed (one pass) gives each object where rect(of:) says, and a page's cells hold its name, at any fit",
    arguments: planScenes.indices)
  func placedIsRectOf(index: Int) throws {
    let (file, _, t) = try planScene(index)
    let plan = ForestDiagram.Plan(t)
    var elided = 0
    for k in 0...t.stepCount {
      for options in [
        ForestDiagram.Options(), .init(plan: plan), .init(ascii: true, maxWidth: 60), .init(maxWidth: 50),
      ] {
        let d = ForestDiagram(t.states[k], options: options)
        let placed = d.placed
        #expect(placed.map(\.object) == d.objects)
        var b = Buffer(width: d.width, height: d.height)
        d.draw(into: &b, in: b.area)
        for (o, r) in placed {
          #expect(d.rect(of: o) == r, "\(file) step \(k): \(o)")
          // A page's cells hold its name, or the `…+N` standing for it, whatever the fit.
          guard case .page(let page) = o else { continue }
          let text = (r.x..<r.maxX).map { b[$0, r.y].text }.joined()
          #expect(
            text == World.pageName(page) || text.hasPrefix("…+") || text.hasPrefix("...+"),
            "\(file) step \(k): \(World.pageName(page)) at \(text)")
          if text != World.pageName(page) { elided += 1 }
        }
      }
    }
    // The narrow fits do cut E2's pages lines: the `…+N` cells are checked, not only names.
    if file.hasPrefix("e2") { #expect(elided > 0) }
  }

  @Test("places(of:) (one page's PTEs) is World.mappedAt(page:) (every page indexed), every page of every step")
  func placesAreMappedAt() throws {
    var checked = 0
    for index in planScenes.indices {
      let (file, _, t) = try planScene(index)
      for k in 0...t.stepCount {
        let w = t.states[k]
        for page in w.pages {
          let fast = ForestDiagram.places(of: page.id, in: w)
          let plain = w.mappedAt(page: page.id)
          #expect(fast.map(\.process) == plain.map(\.process), "\(file) step \(k) \(World.pageName(page.id))")
          #expect(fast.map(\.vpage) == plain.map(\.vpage), "\(file) step \(k) \(World.pageName(page.id))")
          if !plain.isEmpty { checked += 1 }
        }
      }
    }
    #expect(checked > 50)
  }

  @Test("/pg1 selects the page; enter inspects it: page->mapping, index, mapcount, the PTEs mapping it")
  func findAndInspect() throws {
    var driver = AppDriver(try sceneApp("e2-fork-cow.scene", view: .diagram), width: 120, height: 40)
    driver.press(.right, .right, .right, .right)
    let w = driver.state.world
    let page = try #require(World.pageID(named: "pg1"))
    #expect(!w[page: page].freed)
    driver.type("/pg1\n")
    #expect(driver.state.diagramView.selection == .page(page))
    // Marked where its name is written, and what it is related to marked too.
    #expect(driver.screen.contains("◆pg1"), "\(driver.screen)")
    guard case .anon(let a) = w[page: page].mapping else {
      Issue.record("pg1 is not anonymous at this step")
      return
    }
    driver.press(.enter)
    #expect(driver.state.overlay == .inspector)
    let screen = driver.screen
    #expect(screen.contains("page->mapping \(World.avName(a))"), "\(screen)")
    #expect(screen.contains("page->index   \(w[page: page].index)"))
    #expect(screen.contains("mapcount      \(w[page: page].mapcount)"))
    for (p, vpage) in w.mappedAt(page: page) {
      #expect(screen.contains(w.locationName(process: p, vpage: vpage)), "\(screen)")
    }
    driver.press(.escape)
    // A click on another page's name selects it.
    let at = try #require(driver.terminal.screen.flatMap { cell(of: "pg2", in: $0) }, "\(driver.screen)")
    driver.mouse(MouseEvent(.press, x: at.x + 1, y: at.y))
    #expect(driver.state.diagramView.selection == .page(try #require(World.pageID(named: "pg2"))))
  }

  @Test("a pinned page stays selected across steps; freed, it is said")
  func pinPage() throws {
    var driver = AppDriver(try sceneApp("e2-fork-cow.scene", view: .diagram), width: 120, height: 40)
    driver.press(.right, .right, .right, .right, .tab)
    driver.type("/pg1\n")
    let page = try #require(World.pageID(named: "pg1"))
    driver.press(.char("P"))
    #expect(driver.state.diagramView.pinned)
    #expect(driver.screen.contains("pinned pg1"))
    while driver.state.step < driver.state.timeline.stepCount {
      driver.press(.right)
      #expect(driver.state.diagramView.selection == .page(page))
      let w = driver.state.world
      if w[page: page].freed || w[page: page].mapping == .none {
        #expect(driver.screen.contains("pinned pg1 is not in this step"), "step \(driver.state.step)")
      } else {
        #expect(driver.screen.contains("◆pg1"), "step \(driver.state.step):\n\(driver.screen)")
      }
    }
  }

  @Test("the matrix view selects no page: /pg1 selects the first VMA mapping it, and says so")
  func findInMatrix() throws {
    var state = try sceneApp("e2-fork-cow.scene", view: .diagram)
    state.forestView = .matrix
    var driver = AppDriver(state, width: 120, height: 40)
    driver.press(.right, .right, .right, .right)
    let w = driver.state.world
    let page = try #require(World.pageID(named: "pg1"))
    let first = try #require(w.mappedAt(page: page).first)
    let v = try #require(w.vmaContaining(process: first.process, vpage: first.vpage))
    driver.type("/pg1\n")
    #expect(driver.state.focus == .vmas)
    #expect(driver.screen.contains("pg1 is mapped by \(w.vmaName(v))"), "\(driver.screen)")
    #expect(driver.screen.contains("this view selects its VMA"))
  }
}
