import Foundation
import TermRender
import TestSupport
import Testing

@testable import AnonVMASim
@testable import AppCore

@Suite("The matrix's rmap walk line fits its pane: whole VMAs, the rest counted")
struct WalkLineTests {
  @Test("at every width a walk of 30 VMAs takes at most three lines, each within the width, cut only between VMAs")
  func fits() throws {
    let t = try sceneApp("e5-rmap-coverage.scene")
    let names = (1...30).map { "P\($0):A@0" }
    var walk = RmapWalk(
      page: 1, origin: "P1 A 0", lock: 1, locks: [1],
      visited: Array(names.prefix(28)), skipped: Array(names.suffix(2)), anonVMA: 2)
    for name in names.prefix(28) { walk.found[name] = name.hasPrefix("P1") ? "no pte" : "maps" }
    for theme in [Theme.unicode, Theme.ascii] {
      let details = ForestDetails(layout: t.layout, covered: [], selected: nil, theme: theme)
      for width in 30...200 {
        let lines = details.walkLines(walk, width: width)
        #expect(lines.count <= 3, "\(width)")
        #expect(lines.allSatisfy { Buffer.width($0) <= width }, "\(width): \(lines)")
        #expect(
          lines.joined(separator: " ").split(separator: " ").joined(separator: " ").hasPrefix(
            "rmap walk of pg1 in AV2 under AV1's lock, from P1 A 0:"), "\(width): \(lines)")
        let text = lines.joined(separator: ", ")
        // Every VMA whole: shown with what was found, or counted in …+N more.
        let shown = names.filter { text.contains($0 + " ") || text.hasSuffix($0) }.count
        let more =
          text.range(of: #"\+(\d+) more"#, options: .regularExpression).flatMap {
            Int(text[$0].dropFirst().prefix { $0.isNumber })
          } ?? 0
        #expect(shown + more == names.count, "\(width): \(lines)")
        if more == 0 { #expect(text.contains("P30:A@0 skipped")) }
      }
    }
  }
}
