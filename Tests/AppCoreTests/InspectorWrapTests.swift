import AnonVMASim
import Foundation
import TermRender
import Testing

@testable import AppCore

/// The inspector wraps its fields at word boundaries but never inside an object's name: a PTE's
/// place `P3 A 0` or a VMA's name `P3:A@0` is read whole on one row (issue 16, a lecturer's
/// tryout at 80×24).
@Suite("Inspector: object names are never broken across lines")
struct InspectorWrapTests {
  static let scenes = lectureScenes

  /// Every object the diagram can select in `w`.
  static func objects(_ w: World) -> [ForestDiagram.Object] {
    var out: [ForestDiagram.Object] = w.processes.indices.map { .process(ProcessID($0)) }
    out += w.orderedVMAs.map { .vma($0) }
    out += w.aliveAnonVMAs.map { .anonVMA($0) }
    out += w.pages.map { .page($0.id) }
    out += w.stableNodes.indices.map { .stableNode(StableNodeID($0 + 1)) }
    return out
  }

  /// The names of `w`'s objects: processes, VMAs, anon_vmas, pages and the place of every PTE
  /// (`P3 A 0`, the only names with spaces).
  static func names(_ w: World) -> [String] {
    var out = w.processes.map(\.name) + w.orderedVMAs.map { w.vmaName($0) }
    out += w.aliveAnonVMAs.map { World.avName($0) } + w.pages.map { World.pageName($0.id) }
    for (pi, p) in w.processes.enumerated() {
      for vpage in p.ptes.keys { out.append(w.locationName(process: ProcessID(pi), vpage: vpage)) }
    }
    return out
  }

  /// A name found in `text` as a whole word (`P1 A 1` is not found in `P1 A 10`).
  static func holds(_ text: String, _ name: String) -> Bool {
    var from = text.startIndex
    while let r = text.range(of: name, range: from..<text.endIndex) {
      let before = r.lowerBound == text.startIndex ? " " : text[text.index(before: r.lowerBound)]
      let after = r.upperBound == text.endIndex ? " " : text[r.upperBound]
      if !(before.isLetter || before.isNumber || after.isLetter || after.isNumber) { return true }
      from = text.index(after: r.lowerBound)
    }
    return false
  }

  @Test("every name in an inspected object's fields is whole on one row at 80x24", arguments: scenes)
  func namesWhole(file: String) throws {
    var s = try diagramApp(file, nil)
    s.focus = .forest
    var checked = 0
    var spaced = 0
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      let w = s.layout.world
      let names = Self.names(w)
      for object in Self.objects(w) {
        s.diagramView.selection = object
        s.overlay = .inspector
        // As the runtime draws (`frame`): one diagram plan for the timeline at this width.
        let rows = s.frame(width: 80, height: 24).plainText.split(separator: "\n").map(String.init)
        let fields = s.inspector(Theme.unicode).content.1.map(unglued)
        for field in fields {
          for name in names where Self.holds(field, name) {
            #expect(
              rows.contains { Self.holds($0, name) },
              "\(file) step \(k) \(object): \(name) broken\n\(rows.joined(separator: "\n"))")
            checked += 1
            if name.contains(" ") { spaced += 1 }
          }
        }
        s.overlay = nil
      }
    }
    #expect(checked > 0)
    // The scenes with rmap walks show pages mapped in several processes: names with spaces.
    if file.hasPrefix("e5") { #expect(spaced > 0) }
  }

  @Test("wrap moves a glued name whole to the next line and gives its spaces back")
  func wrapKeepsGluedNames() {
    let text = "mapped by " + unbreakable("P3 A 0 (P3:A@0, writable)") + ", " + unbreakable("P1 A 0 (P1:A@0)")
    for width in 26...60 {
      let lines = wrap(text, width)
      #expect(lines.joined(separator: " ") == unglued(text), "width \(width): \(lines)")
      #expect(lines.contains { $0.contains("P3 A 0 (P3:A@0, writable)") }, "width \(width): \(lines)")
      #expect(!lines.contains { $0.contains(nameGlue) })
    }
    // Plain spaces still break.
    #expect(wrap("P3 A 0 (P3:A@0, writable)", 8).count > 1)
  }
}
