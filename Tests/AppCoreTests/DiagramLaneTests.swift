import AnonVMASim
import Foundation
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// The cells where a `vma->anon_vma` arrow's vertical passes through another's horizontal
/// (`─│─`, `━┃━`): read from the frame, not from the lane model.
func arrowCrossings(_ frame: String) -> [(row: Int, column: Int)] {
  var found: [(row: Int, column: Int)] = []
  for (y, line) in frame.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
    let cells = Array(line)
    for x in cells.indices.dropFirst().dropLast() {
      let (l, c, r) = (cells[x - 1], cells[x], cells[x + 1])
      if (c == "│" && l == "─" && (r == "─" || r == "►")) || (c == "┃" && l == "━" && (r == "━" || r == "►")) {
        found.append((y, x))
      }
    }
  }
  return found
}

@Suite("The diagram's arrow lanes are ordered to cross as little as possible")
struct DiagramLaneTests {
  /// Every order of `count` lanes, for the brute-force check.
  static func permutations(_ count: Int) -> [[Int]] {
    var all: [[Int]] = []
    var a = Array(0..<count)
    repeat { all.append(a) } while ForestDiagram.nextPermutation(&a)
    return all
  }

  /// Crossings of a lane numbering, counted from the segments themselves: each source row's
  /// line runs from the process column (-1) to its lane, the lane's vertical over the bus's rows,
  /// the target row's line from the lane to the anon_vma column (a large number); a horizontal
  /// crosses another bus's vertical where its row is in that vertical's rows and its columns pass
  /// the lane; two horizontals on one row that overlap count ten.
  static func geometricCrossings(_ buses: [ForestDiagram.Bus]) -> Int {
    let box = 1_000
    struct H {
      var row: Int
      var from: Int
      var to: Int
    }
    var total = 0
    let laned = buses.filter { $0.lane != nil }
    for (i, x) in laned.enumerated() {
      for y in laned[(i + 1)...] {
        guard let a = x.lane, let b = y.lane else { continue }
        func lines(_ bus: ForestDiagram.Bus, _ lane: Int) -> (h: [H], v: (Int, ClosedRange<Int>)) {
          let rows = bus.sources.map(\.y) + [bus.targetRow]
          let h = bus.sources.map { H(row: $0.y, from: -1, to: lane) } + [H(row: bus.targetRow, from: lane, to: box)]
          return (h, (lane, (rows.min() ?? 0)...(rows.max() ?? 0)))
        }
        let (xl, yl) = (lines(x, a), lines(y, b))
        for (hs, v) in [(xl.h, yl.v), (yl.h, xl.v)] {
          for h in hs where v.1.contains(h.row) && h.from < v.0 && v.0 < h.to { total += 1 }
        }
        for h in xl.h {
          for k in yl.h where h.row == k.row && max(h.from, k.from) < min(h.to, k.to) { total += 10 }
        }
      }
    }
    return total
  }

  @Test(
    "the lanes' order is the cheapest of every order (counted from the segments), at every step and size",
    arguments: [
      "e1-first-touch.scene", "e2-fork-cow.scene", "e3-three-generations.scene", "e4-split-merge.scene",
      "e5-rmap-coverage.scene", "e6-ksm-root-lifetime.scene", "every-operation.scene",
    ])
  func cheapest(file: String) throws {
    var checked = 0
    for (width, height) in [(80, 24), (120, 40), (200, 60)] {
      var s = try sceneApp(file, view: .diagram)
      for k in 0...s.timeline.stepCount {
        s.go(to: k)
        _ = s.frame(width: width, height: height)
        guard let d = s.layout.diagram?.whole else { continue }
        let buses = d.assignLanes(s.world, maxLanes: 99)
        let count = (buses.compactMap(\.lane).max() ?? -1) + 1
        guard count > 1, count <= 6 else { continue }
        let chosen = Self.geometricCrossings(buses)
        let best =
          Self.permutations(count).map { order in
            Self.geometricCrossings(
              buses.map { bus in
                var renumbered = bus
                renumbered.lane = bus.lane.map { order[$0] }
                return renumbered
              })
          }
          .min() ?? chosen
        #expect(chosen == best, "\(file) \(width)x\(height) step \(k): \(chosen) crossings, \(best) possible")
        checked += 1
      }
    }
    // E3's forks give two lanes from step 4 on; other scenes may never need two.
    #expect(checked > 0 || file != "e3-three-generations.scene", "\(file): no step with two lanes")
  }

  @Test("no arrow crosses another in the lecture scenes' frames (E3's P3 → AV3 runs inside P2 → AV2)")
  func noCrossingsOnScreen() throws {
    for file in [
      "e2-fork-cow.scene", "e3-three-generations.scene", "e4-split-merge.scene", "e5-rmap-coverage.scene",
      "e6-ksm-root-lifetime.scene",
    ] {
      for (width, height) in [(80, 24), (120, 40), (200, 60)] {
        var s = try sceneApp(file, view: .diagram)
        for k in 0...s.timeline.stepCount {
          s.go(to: k)
          let frame = s.render(width: width, height: height).plainText
          let crossings = arrowCrossings(frame)
          #expect(crossings.isEmpty, "\(file) \(width)x\(height) step \(k): \(crossings)\n\(frame)")
        }
      }
    }
  }
}
