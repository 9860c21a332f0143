import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing
import Workloads

@testable import AppCore

/// The benchmark's W1 forking server, small: `processes` forks of random parents of a process
/// with four touched mappings, then as many writes and a third as many exits.
func forkingServer(processes: Int, kernel: KernelVersion = .v2_6_36) -> Timeline {
  let source = Workloads.w1(kernel: kernel, processes: processes, writes: processes, exits: processes / 3)
  return Timeline(scene: Parser.parse(source), defaultTitle: "server")
}

/// The diagram fitted as it was before the rows were shared between the fits tried: every fit
/// tried laid out in full, from scratch.
private func plainFitted(_ world: World, options: ForestDiagram.Options) -> ForestDiagram {
  if !options.fold, let fit = options.plan?.fit { return ForestDiagram(world, options: options, fit: fit) }
  let whole = ForestDiagram(world, options: options, fit: ForestDiagram.Fit(lanes: options.maxLanes))
  guard let maxWidth = options.maxWidth, whole.width > maxWidth else { return whole }
  let widest = whole.usedLanes
  let levels = ForestDiagram.Fit.levels(from: widest, maxLanes: options.maxLanes, excess: whole.width - maxWidth)
  func fits(_ fit: ForestDiagram.Fit) -> Bool { ForestDiagram(world, options: options, fit: fit).width <= maxWidth }
  guard let last = levels.last, fits(last) else { return whole }
  for fit in levels where fits(fit) {
    return ForestDiagram(world, options: options, fit: ForestDiagram.Fit.relaxed(fit, lanes: widest, fits: fits))
  }
  return whole
}

/// A diagram as text (drawn whole) with what a frame reads besides: its fit, size and arrows.
private func summary(_ d: ForestDiagram) -> String {
  var b = Buffer(width: max(1, d.width), height: max(1, d.height))
  d.draw(into: &b, in: b.area)
  return "\(d.fit) \(d.width)x\(d.height) labels at \(d.labelX)\n\(d.arrows.map { "\($0.kind) \($0.xs) \($0.ys)" })\n"
    + b.plainText
}

@Suite("The diagram's fast paths draw what the plain computation draws")
struct DiagramFastPathTests {
  /// The lecture scenes (and E3 on 2.6.34 and 6.1), then two generated forking servers.
  static let cases = planScenes.indices.map { $0 } + [-1, -2]

  /// Case `index`'s name and timeline.
  static func scene(_ index: Int) throws -> (String, Timeline) {
    switch index {
    case -1: return ("generated server 2.6.36", forkingServer(processes: 12))
    case -2: return ("generated server 6.1", forkingServer(processes: 9, kernel: .v6))
    default:
      let (file, kernel, t) = try planScene(index)
      return (file + " " + (kernel?.rawValue ?? ""), t)
    }
  }

  @Test(
    "a fit found by measuring the shared rows is the fit, width and frame of laying out every fit tried in full; the lanes with each limit are the lanes without one, those from the limit on taken away",
    arguments: cases)
  func fitMatchesPlain(index: Int) throws {
    let (name, t) = try Self.scene(index)
    var compared = 0
    var narrowed = 0
    for k in 0...t.stepCount {
      var worlds: [(World, World?)] = [(t.states[k], k > 0 ? t.states[k - 1] : nil)]
      if k > 0, k % 4 == 1 {
        worlds += t.microStates(step: k).enumerated().filter { $0.offset % 5 == 2 }.map { ($0.element.world, nil) }
      }
      for (w, previous) in worlds {
        for width in [56, 90, nil] as [Int?] {
          for fold in [false, true] {
            let selection = w.vmas.keys.first.map(ForestDiagram.Object.vma)
            let options = ForestDiagram.Options(
              previous: previous, fold: fold, selection: selection, maxWidth: width)
            let fast = ForestDiagram(w, options: options)
            let plain = plainFitted(w, options: options)
            #expect(summary(fast) == summary(plain), "\(name) step \(k) width \(width ?? 0) fold \(fold)")
            // The boxes' text width, kept from the rows and the cut lines, is the text's as drawn.
            let text = fast.anonVMAs.map { box in
              box.lines.map { ForestDiagram.textWidth($0) + 3 }.reduce(ForestDiagram.textWidth(box.title) + 5, max)
            }
            #expect(fast.anonVMATextInner == text.max() ?? 0, "\(name) step \(k) width \(width ?? 0) fold \(fold)")
            compared += 1
            narrowed += fast.fit == ForestDiagram.Fit(lanes: 8) ? 0 : 1
            // The lanes with each limit, from the lanes assigned once without one.
            let rows = ForestDiagram(rows: w, options: options)
            let unlimited = rows.greedyLanes(w, maxLanes: .max)
            func lanes(_ buses: [ForestDiagram.Bus]) -> [String] {
              buses.map { "\($0.anonVMA) \($0.lane ?? -1) \($0.targetRow) \($0.sources.map(\.y))" }
            }
            for limit in 0...9 {
              #expect(
                lanes(ForestDiagram.assignLanes(unlimited: unlimited, maxLanes: limit))
                  == lanes(rows.assignLanes(w, maxLanes: limit)), "\(name) step \(k) fold \(fold) limit \(limit)")
            }
          }
        }
      }
    }
    #expect(compared > 20)
    if name.hasPrefix("generated") { #expect(narrowed > 0, "\(name): no diagram was narrowed") }
  }

  @Test(
    "a diagram given another selection (a key that moves only the selection) is the one laid out with it",
    arguments: cases)
  func reselectionMatchesLayout(index: Int) throws {
    let (name, t) = try Self.scene(index)
    var compared = 0
    for k in stride(from: 0, through: t.stepCount, by: max(1, t.stepCount / 6)) {
      let w = t.states[k]
      let previous = k > 0 ? t.states[k - 1] : nil
      // Every kind of object, and none; the VMAs first and last (a chain drawn as connectors).
      var selections: [ForestDiagram.Object?] = [nil]
      let vmas = w.vmas.keys.sorted()
      selections += [vmas.first, vmas.last].compactMap { $0 }.map(ForestDiagram.Object.vma)
      selections += w.aliveAnonVMAs.prefix(1).map(ForestDiagram.Object.anonVMA)
      selections += w.processIDs.prefix(1).map(ForestDiagram.Object.process)
      for width in [56, nil] as [Int?] {
        for fold in [false, true] {
          let options = ForestDiagram.Options(previous: previous, fold: fold, selection: nil, maxWidth: width)
          let unselected = ForestDiagram(w, options: options)
          for selection in selections {
            var selected = options
            selected.selection = selection
            let plain = ForestDiagram(w, options: selected)
            for from in [unselected, plain] {
              let fast = from.selecting(selection, in: w)
              let at = "\(name) step \(k) width \(width ?? 0) fold \(fold) selection \(String(describing: selection))"
              #expect(summary(fast) == summary(plain), "\(at)")
              #expect(fast.related == plain.related, "\(at)")
              #expect(fast.listPlaces == plain.listPlaces, "\(at)")
              #expect(fast.chainConnectors == plain.chainConnectors, "\(at)")
              compared += 1
            }
          }
        }
      }
    }
    #expect(compared > 20)
  }

  @Test(
    "a plan's fits measured on rows laid out once per world are the fits measured on worlds laid out anew",
    arguments: cases)
  func planRowsShared(index: Int) throws {
    let (name, t) = try Self.scene(index)
    let worlds = (0...t.stepCount).map { t.states[$0] }
    let plan = ForestDiagram.Plan(worlds, maxWidth: 56)
    let samples = Array(worlds.indices)
    let shared = ForestDiagram.SampleRows()
    for fit in [ForestDiagram.Fit(lanes: 8)] + ForestDiagram.Fit.levels(from: 8, maxLanes: 8) {
      let plain = plan.columns(worlds, samples: samples, fit: fit)
      let fast = plan.columns(worlds, samples: samples, fit: fit, limit: .max, rows: shared)
      #expect(
        fast.map { [$0.right, $0.lanes, $0.inner, $0.width] } == [plain.right, plain.lanes, plain.inner, plain.width],
        "\(name) \(fit)")
    }
  }

  @Test(
    "a line cut (or elided) as it names its items is the line cut (or elided) from every item named, for every room and count"
  )
  func lazyCutMatchesPlain() {
    // ASCII names like the diagram's, wide ones (`全` takes two columns) and one with `…`.
    let pools = [
      (0..<12).map { "P\($0 * 7):m\($0 % 4)@\($0)" }, (0..<6).map { String(repeating: "全", count: $0 + 1) },
      ["a", "bb…", "ccc", "d", "eeeeeeeeeeee", "f"],
    ]
    var compared = 0
    var cut = 0
    for pool in pools {
      for count in 0...pool.count {
        let items = Array(pool.prefix(count))
        for most in 0...7 {
          #expect(ForestDiagram.elided(items, max: most) { $0 } == ForestDiagram.elided(items, max: most), "\(items)")
        }
        for room in 0...60 {
          var named = 0
          let fast = ForestDiagram.cut("list", count: count, room: room) {
            named += 1
            return items[$0]
          }
          let plain = ForestDiagram.cut("list", items, room: room)
          #expect(fast == plain, "\(items) room \(room)")
          compared += 1
          cut += fast.contains("…+") ? 1 : 0
          // A long list in a box's room: only the items up to the first past the room are named.
          if count == 12, room <= 24 { #expect(named <= 6, "\(items) room \(room): \(named) named") }
        }
      }
    }
    #expect(compared > 500 && cut > 100)
  }

  @Test(
    "objects read in place are the objects read by copy: an anon_vma's list head (length, first five, all folded) is World.listVMAs, a lock table's holders are its keys' holders, a chunked array's chunks hold its elements",
    arguments: cases)
  func inPlaceReadsMatchCopies(index: Int) throws {
    let (name, t) = try Self.scene(index)
    var (lists, folded, held) = (0, 0, 0)
    // Every step's world and its micro-states' (where locks are held).
    let worlds = (0...t.stepCount).flatMap { k in
      [(k, t.states[k])] + (k > 0 ? t.microStates(step: k).map { (k, $0.world) } : [])
    }
    for (k, w) in worlds {
      // Hidden: the VMAs of every other process; and every VMA.
      var someHidden = IDArray<VMA, Bool>(absent: false)
      var allHidden = IDArray<VMA, Bool>(absent: false)
      for p in w.processIDs {
        for v in w[process: p].vmas {
          allHidden[v] = true
          if p.raw % 2 == 1 { someHidden[v] = true }
        }
      }
      for a in w.aliveAnonVMAs {
        let list = w.listVMAs(a)
        for (hidden, all) in [
          (nil, false), (someHidden, list.allSatisfy { someHidden[$0] }),
          (allHidden, list.allSatisfy { allHidden[$0] }),
        ] {
          let head = ForestDiagram.listHead(a, w, hidden: hidden)
          #expect(head.count == list.count, "\(name) step \(k) AV\(a)")
          #expect(head.leading == Array(list.prefix(5)), "\(name) step \(k) AV\(a)")
          #expect(head.allHidden == all, "\(name) step \(k) AV\(a) hidden \(hidden != nil)")
          folded += head.allHidden && !list.isEmpty ? 1 : 0
        }
        lists += 1
      }
      var holders: [String] = []
      w.lockHolders.forEachHolder { lock, h in holders.append("\(lock) \(h)") }
      #expect(holders == w.lockHolders.keys.flatMap { lock in (w.lockHolders[lock] ?? []).map { "\(lock) \($0)" } })
      held += holders.count
      var chunked: [AnonVMA] = []
      w.anonVMAs.forEachChunk { chunked += $0 }
      #expect(chunked == Array(w.anonVMAs), "\(name) step \(k)")
    }
    #expect(lists > 10 && folded > 0, "\(name): \(lists) lists, \(folded) all folded")
    if name.hasPrefix("generated") { #expect(held > 0, "\(name): no lock held") }
  }
}
