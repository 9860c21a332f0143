import AnonVMASim
import Foundation
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// The side column of a wide terminal lists the step's micro-steps (issue 16: large terminals
/// use their space; a step shows what it did without entering it).
@Suite("The side column's micro-steps: every one, in order, numbered, the one on screen marked")
struct SideMicroStepsTests {
  /// The side column's rows as text, and whether each is in reverse video.
  static func side(_ s: inout AppState, width: Int, height: Int) throws -> [(text: String, reverse: Bool)] {
    let frame = s.frame(width: width, height: height)
    let side = try #require(s.diagramPane(in: Rect(x: 0, y: 0, width: width, height: height))?.side)
    return (side.y..<side.maxY).map { y in
      var text = ""
      var reverse = false
      for x in (side.x + 1)..<side.maxX {
        text += frame[x, y].text
        if frame[x, y].style.reverse { reverse = true }
      }
      return (text.trimmingCharacters(in: .whitespaces), reverse)
    }
  }

  /// The micro-step lines of a side column: `N text` items, each joined from its wrapped rows.
  static func items(_ rows: [(text: String, reverse: Bool)]) -> [(number: Int, text: String, reverse: Bool)] {
    guard let header = rows.firstIndex(where: { $0.text.hasPrefix("the step in") || $0.text.hasPrefix("micro-step ") })
    else { return [] }
    var out: [(number: Int, text: String, reverse: Bool)] = []
    for row in rows[(header + 1)...] {
      if let m = row.text.firstMatch(of: /^(\d+) (.*)$/), let n = Int(m.1) {
        out.append((n, String(m.2), row.reverse))
      } else if !row.text.isEmpty, !row.text.contains("step through them"), var last = out.popLast() {
        last.text += " " + row.text
        out.append(last)
      }
    }
    return out
  }

  @Test(
    "at 200x60 and 300x100 each whole step lists its micro-steps' text in order, numbered from 1, the rest counted",
    arguments: lectureScenes + ["concurrency/rwsem-readers-share-6.1.scene"])
  func wholeSteps(file: String) throws {
    var s = try diagramApp(file, nil)
    for (width, height) in [(200, 60), (300, 100)] {
      for k in 1...s.timeline.stepCount {
        s.go(to: k)
        let rows = try Self.side(&s, width: width, height: height)
        let events = s.timeline.replay.events(step: k)
        let cpus = s.layout.world.cpus.count > 1
        let items = Self.items(rows)
        let at = "\(file) \(width)x\(height) step \(k)"
        // (A step that ran no micro-step, `on cpu0 begin …`, lists none.)
        #expect(items.isEmpty == events.isEmpty, "\(at): \(rows.map(\.text))")
        guard !events.isEmpty else { continue }
        #expect(items.map(\.number) == Array(1...items.count), "\(at)")
        for (item, e) in zip(items, events) {
          #expect(item.text == (cpus ? "cpu\(e.cpu) " : "") + e.summary, "\(at)")
        }
        let counted = rows.contains { $0.text.contains("\(events.count - items.count) more (j k step through them)") }
        #expect(items.count == events.count || counted, "\(at): \(items.count) of \(events.count)")
      }
    }
  }

  /// At 200x30 the list has a few rows for E3 step 8's 26 micro-steps: only the items near the
  /// one on screen are wrapped, and the counts above and below still add up.
  @Test(
    "inside a micro-step its line is in the list, in reverse video, the only one; the items above and below are counted exactly",
    arguments: [60, 30])
  func microStep(height: Int) throws {
    var s = try diagramApp("e3-three-generations.scene", nil)
    s.go(to: 8)
    let count = s.timeline.replay.microStates(step: 8).count
    for m in 0..<count {
      s.selectMicro(m)
      s.refreshLayout()
      let rows = try Self.side(&s, width: 200, height: height)
      let items = Self.items(rows)
      let at = "200x\(height) micro-step \(m + 1): \(rows.map(\.text))"
      #expect(items.filter(\.reverse).map(\.number) == [m + 1], "\(at)")
      #expect(rows.contains { $0.text.hasPrefix("micro-step \(m + 1) of \(count)") }, "\(at)")
      let numbers = items.map(\.number)
      #expect(numbers == Array((numbers.first ?? 1)..<((numbers.first ?? 1) + numbers.count)), "\(at)")
      let note = rows.first { $0.text.contains("step through them") }?.text ?? ""
      let above = note.firstMatch(of: /↑ (\d+) above/).flatMap { Int($0.1) } ?? 0
      let below = note.firstMatch(of: /… (\d+) more/).flatMap { Int($0.1) } ?? 0
      #expect(above == (numbers.first ?? 1) - 1 && above + items.count + below == count, "\(at)")
      if height == 30 { #expect(items.count < count, "\(at)") }
    }
  }

  @Test("the window of items: holds the one asked for, fits, and has no room for a neighbour left out")
  func itemWindow() {
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<2000 {
      let heights = (0..<Int.random(in: 1...30, using: &rng)).map { _ in Int.random(in: 1...3, using: &rng) }
      let around = Int.random(in: 0..<heights.count, using: &rng)
      let rows = Int.random(in: 3...40, using: &rng)
      let w = DiagramPane.itemWindow(heights, around: around, rows: rows)
      let used = heights[w].reduce(0, +)
      if heights.reduce(0, +) <= rows {
        #expect(w == heights.indices)
        continue
      }
      #expect(w.contains(around), "\(heights) \(around) \(rows) \(w)")
      // One row is kept for the count of the rest (unless `around` alone is taller).
      #expect(used <= rows - 1 || w.count == 1, "\(heights) \(around) \(rows) \(w)")
      if w.lowerBound > 0 { #expect(used + heights[w.lowerBound - 1] > rows - 1, "\(heights) \(around) \(rows) \(w)") }
      if w.upperBound < heights.count {
        #expect(used + heights[w.upperBound] > rows - 1, "\(heights) \(around) \(rows) \(w)")
      }
    }
  }
}
