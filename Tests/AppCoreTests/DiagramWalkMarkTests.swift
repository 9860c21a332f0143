import AnonVMASim
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// Row `y` of a frame as text.
private func row(_ b: Buffer, _ y: Int) -> String { (0..<b.width).map { b[$0, y].text }.joined() }

/// What a narrated `rmap_walk` event says the walk found at its VMA, in the diagram's words:
/// `maps`, `unmapped`, `remapped` where the PTE held the page, `no pte` elsewhere.
private func found(_ text: String) -> String {
  if text.contains("page_referenced_one: maps it") || text.contains("folio_referenced_one: maps it") { return "maps" }
  if text.contains("try_to_unmap_one:") || text.contains("try_to_migrate_one:") { return "unmapped" }
  if text.contains("remove_migration_pte:") { return "remapped" }
  return "no pte"
}

@Suite("The rmap walk's marks say whether each visited VMA maps the page, as the narration does")
struct DiagramWalkMarkTests {
  @Test(
    "E4 and E5, every step and walk micro-step, Unicode and ASCII: each `rmap #N` row says ✓maps (or unmapped, remapped) or no pte as the narrated event for that VMA does"
  )
  func marksAgreeWithNarration() throws {
    var kinds = Set<String>()
    for scene in ["e4-split-merge.scene", "e5-rmap-coverage.scene"] {
      for ascii in [false, true] {
        var s = try sceneApp(scene, view: .diagram)
        s.options = RenderOptions(ascii: ascii, colors: false)
        for k in 1...s.timeline.stepCount {
          s.go(to: k)
          let states = s.timeline.replay.microStates(step: k)
          // The whole step (every event), then each micro-step (the events up to it).
          for m in [nil] + Array(states.indices) {
            if let m { _ = s.reduce(.selectMicro(m)) }
            let events = states.prefix(m.map { $0 + 1 } ?? states.count).map(\.event)
            // As the runtime draws (`frame`): the diagram planned once, not for every frame.
            let b = s.frame(width: 200, height: 60)
            guard let walk = ForestDiagram.walk(s.layout.world) else { continue }
            for (i, name) in walk.visited.enumerated() {
              let at = "step \(k) micro \(m.map { String($0 + 1) } ?? "-") \(scene) ascii \(ascii) \(name)"
              // The narrated visit of this VMA (the last: a step may walk twice).
              let event = events.last { $0.function == "rmap_walk" && $0.text.hasPrefix(name + " at ") }
              let tag = "rmap #\(i + 1) "
              let rows = (0..<b.height).map { row(b, $0) }.filter { $0.contains(tag) }
              let label = String(name.split(separator: ":").last ?? "")
              let mine = rows.filter { $0.contains(label + " ") }
              #expect(mine.count == 1, "\(at): \(rows)")
              guard let line = mine.first, let range = line.range(of: tag) else { continue }
              let after = line[range.upperBound...]
              let shown =
                after.hasPrefix("no pte") ? "no pte" : String(after.prefix { $0 != " " && $0 != "│" && $0 != "|" })
              guard let event else {
                // A KSM walk's visits are not PTE lookups: no mark.
                #expect(!after.hasPrefix("no pte") && !after.hasPrefix("✓"), "\(at): \(line)")
                continue
              }
              let expected = found(event.text)
              kinds.insert(expected)
              #expect(
                shown == (ascii || expected == "no pte" ? expected : "✓" + expected), "\(at): \(line) / \(event.text)")
            }
          }
        }
      }
    }
    // Both kinds occur (E5's walk from P1 visits P3's VMA, which does not map the page).
    #expect(kinds.contains("maps") && kinds.contains("no pte"), "\(kinds)")
  }
}
