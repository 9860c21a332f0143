import AnonVMASim
import ScenePlayer
import Testing
import Workloads

@testable import AppCore

/// The VMAs of `prev` that `w` no longer has, by the raw id of their process, as the VMA pane
/// found them before ``Layout/freedVMAs(_:previous:)``: `prev.orderedVMAs` filtered, each
/// looked up in the tables' lists of objects.
private func plainFreedVMAs(_ w: World, previous prev: World) -> [Int: [VMAID]] {
  let present = Set(w.vmas.values.map(\.id))
  let processOf = Dictionary(uniqueKeysWithValues: prev.vmas.values.map { ($0.id, $0.process) })
  var freedOf: [Int: [VMAID]] = [:]
  for v in prev.orderedVMAs where !present.contains(v) {
    if let p = processOf[v] { freedOf[p.raw, default: []].append(v) }
  }
  return freedOf
}

@Suite("The VMA pane's fast paths find what the plain computation finds")
struct LayoutFastPathTests {
  @Test(
    "the VMAs freed between two worlds, walked in place, are those of the previous world's ordered list, in its order",
    arguments: DiagramFastPathTests.cases)
  func freedVMAs(_ index: Int) throws {
    let (name, t) = try DiagramFastPathTests.scene(index)
    // Whole steps, and every micro-step (where VMAs are detached and not yet freed).
    var pairs: [(World, World)] = []
    for k in stride(from: 1, through: t.stepCount, by: 1) {
      pairs.append((t.states[k - 1], t.states[k]))
      let micro = t.replay.microStates(step: k).map(\.world)
      pairs += zip([t.states[k - 1]] + micro, micro).map { ($0, $1) }
    }
    var freed = 0
    for (prev, w) in pairs {
      let fast = Layout.freedVMAs(w, previous: prev)
      #expect(fast == plainFreedVMAs(w, previous: prev), "\(name) step \(w.step)")
      freed += fast.values.reduce(0) { $0 + $1.count }
    }
    // The generated servers' exits free VMAs: the comparison is not of empty lists alone.
    if index < 0 { #expect(freed > 0, "\(name)") }
  }

  @Test(
    "a VMA's name from the details' cache is the world's, asked in any order and asked again, for ids with no VMA too",
    arguments: DiagramFastPathTests.cases)
  func cachedNames(_ index: Int) throws {
    let (name, t) = try DiagramFastPathTests.scene(index)
    for k in stride(from: 0, through: t.stepCount, by: max(1, t.stepCount / 20)) {
      let w = t.states[k]
      let ids = w.vmas.values.map(\.id) + [VMAID(0), VMAID(w.vmas.values.count + 7)]
      var names = VMANames(world: w)
      for v in ids.reversed() + ids + ids.enumerated().map({ ids[($0.offset * 7) % ids.count] }) {
        #expect(names.name(v) == w.vmaName(v), "\(name) step \(k) vma \(v)")
      }
    }
  }
}

@Suite("The matrix's fast paths measure what the plain computation measures")
struct MatrixFastPathTests {
  @Test("a column's width, from the lowest and highest ids, is the widest name and a space, at least 4")
  func columnWidth() {
    var r = Workloads.Rng(state: 16)
    for _ in 0..<2_000 {
      // Ids of every length from 1 to 6 digits, negative ones now and then.
      let columns = (0..<r.next(40)).map { _ in
        AnonVMAID(r.next(10_000_000) / [1, 10, 1_000, 100_000][r.next(4)] - 300 * r.next(2))
      }
      let plain = max(4, columns.map { World.avName($0).count + 1 }.max() ?? 4)
      #expect(ForestMatrix.columnWidth(columns) == plain, "\(columns)")
    }
  }
}
