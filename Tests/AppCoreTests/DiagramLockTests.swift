import AnonVMASim
import AppCore
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

@Suite("The diagram's lock outline: one shaded outline around exactly what a held lock covers")
struct DiagramLockTests {
  @Test(
    "at every micro-step holding a lock the outline holds every anon_vma the lock covers and no other, and alone names the holders; exactly the covered VMA rows are marked",
    arguments: planScenes.indices)
  func outline(index: Int) throws {
    let (file, kernel, t) = try planScene(index)
    let plan = ForestDiagram.Plan(t)
    var held = 0
    var text = ""
    for k in 1...t.stepCount {
      for (m, micro) in t.microStates(step: k).enumerated() where !micro.world.lockHolders.keys.isEmpty {
        let w = micro.world
        for p in [nil, plan] {
          let d = ForestDiagram(w, options: .init(plan: p))
          var b = Buffer(width: d.width, height: d.height)
          d.draw(into: &b, in: b.area)
          let at = "\(file) \(kernel?.rawValue ?? "") step \(k) micro \(m + 1) \(micro.event.function)"
          var coveredVMAs = Set<VMAID>()
          for lock in w.lockHolders.keys {
            held += 1
            // Independently of lockTarget: 2.6.34 locks the anon_vma itself, the others the root.
            let covered = Set(
              w.aliveAnonVMAs.filter { a in w.kernel == .v2_6_34 ? a == lock : (w[anonVMA: a].root ?? a) == lock })
            let outline = try #require(d.lockOutlines.first { $0.lock == lock }, "\(at): no outline")
            #expect(d.lockOutlines.filter { $0.lock == lock }.count == 1)
            let r = outline.rect
            for box in d.anonVMAs where box.change != .removed {
              let inside =
                box.rect.x > r.x && box.rect.maxX < r.maxX && box.rect.y > r.y && box.rect.maxY < r.maxY
              let apart = box.rect.maxX <= r.x || r.maxX <= box.rect.x || box.rect.maxY <= r.y || r.maxY <= box.rect.y
              if covered.contains(box.anonVMA) {
                #expect(inside, "\(at): \(World.avName(box.anonVMA)) outside the outline of AV\(lock)")
              } else {
                #expect(apart, "\(at): \(World.avName(box.anonVMA)) inside the outline of AV\(lock)")
              }
            }
            let top = (r.x..<r.maxX).map { b[$0, r.y].text }.joined()
            #expect(top.contains("\(World.avName(lock)) lock: cpu"), "\(at): \(top)")
            #expect(top.contains("░"), "\(at): the outline is not shaded: \(top)")
            // Said once, on the outline: no `locked by cpu0 (…)` beside the boxes again.
            #expect(!b.plainText.contains("locked by"), "\(at): the holders are named twice")
            // The VMAs on the covered anon_vmas' same_anon_vma lists, read from the chains' side.
            for avc in w.avcs.values where avc.onSameAnonVMA && covered.contains(avc.anonVMA) {
              coveredVMAs.insert(avc.vma)
            }
          }
          for box in d.processes {
            for (i, v) in box.vmas.enumerated() {
              let marked = b[box.rect.x + 1, box.row(at: i)].text == "▌"
              #expect(marked == coveredVMAs.contains(v), "\(at): \(w.vmaName(v)) marked \(marked)")
            }
          }
          if p != nil { text += "--- \(at) ---\n" + b.plainText }
        }
      }
    }
    #expect(held > 2, "\(file): no lock held in any micro-step")
    if let dir = ProcessInfo.processInfo.environment["DUMP_DIAGRAMS"] {
      try text.write(toFile: "\(dir)/locks-\(kernel?.rawValue ?? "")-\(file).txt", atomically: true, encoding: .utf8)
    }
  }

  @Test(
    "a waiting CPU is written on the outline of the lock it waits for; rwsem readers (6.1) as sharing",
    arguments: ["concurrency/root-lock-blocks-exit.scene", "concurrency/rwsem-readers-share-6.1.scene"])
  func waitersAndReaders(file: String) throws {
    let t = try scene(file)
    var waits = 0
    var shared = 0
    for k in 0...t.stepCount {
      for w in [t.states[k]] + t.microStates(step: k).map(\.world) {
        let d = ForestDiagram(w)
        var b = Buffer(width: d.width, height: d.height)
        d.draw(into: &b, in: b.area)
        for outline in d.lockOutlines {
          let r = outline.rect
          let top = (r.x..<r.maxX).map { b[$0, r.y].text }.joined()
          let bottom = (r.x..<r.maxX).map { b[$0, r.maxY - 1].text }.joined()
          for cpu in w.cpus where cpu.waitingFor == outline.lock {
            #expect(bottom.contains(cpu.name), "\(file) step \(k): \(bottom)")
            waits += 1
          }
          let readers = (w.lockHolders[outline.lock] ?? []).filter { $0.mode == .read }
          if readers.count > 1 {
            #expect(top.contains("shared: " + readers.map { "cpu\($0.cpu)" }.joined(separator: " ")), "\(top)")
            shared += 1
          }
        }
      }
    }
    #expect(waits + shared > 0, "\(file): no waiting CPU and no shared lock drawn")
  }
}
