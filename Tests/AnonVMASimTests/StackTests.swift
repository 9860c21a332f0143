import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TestSupport
import Testing

/// brk (sys_brk/do_brk, do_brk_flags) and stack growth (expand_stack/expand_downwards) per model.
@Suite("brk and stack growth")
struct StackTests {
  /// A fork child's stack grows down: P2's stack VMA has chain [AV2, AV1] (step 6 is the growth).
  static func grownStack(_ kernel: KernelVersion) -> Timeline {
    timeline(
      """
      kernel \(kernel.rawValue)
      spawn P1
      mmap P1 guard 1
      mmap P1 stack 4 growsdown
      touch P1 stack 0..3
      fork P1 P2
      grow-stack P2 stack 2
      """)
  }

  @Test(
    "expand_downwards locks the VMA's own anon_vma in 2.6.34, the root in 2.6.36, the root rwsem for write in 6.x",
    arguments: [
      (KernelVersion.v2_6_34, ["lock AV2", "unlock AV2"]),
      (.v2_6_36, ["lock AV1 (root of AV2)", "unlock AV1 (root of AV2)"]),
      (.v6, ["lock AV1 (root of AV2) for write", "unlock AV1 (root of AV2)"]),
      (.mainline, ["lock AV1 (root of AV2) for write", "unlock AV1 (root of AV2)"]),
    ])
  func stackLocks(kernel: KernelVersion, locks: [String]) throws {
    let t = Self.grownStack(kernel)
    #expect(lockEvents(t, step: 6) == locks)
    // vm_start and vm_pgoff are two stores, two micro-steps (D.2).
    let stores = t.events(step: 6).filter { $0.function == "expand_downwards" }.map(\.text)
    #expect(stores.count == 2)
    #expect(stores.first?.contains("vm_pgoff not yet updated") == true)
    let before = t.states[5]
    let after = t.states[6]
    let p2 = try #require(after.processIndex(named: "P2"))
    let old = try #require(before.vma(process: p2, mapping: "stack", firstPage: 0).flatMap { before.vmas[$0] })
    let new = try #require(after.vma(process: p2, mapping: "stack", firstPage: 0).flatMap { after.vmas[$0] })
    #expect(new.id == old.id)
    #expect(new.start == old.start - 2 && new.end == old.end && new.pgoff == old.pgoff - 2)
    #expect(after.chain("P2", "stack") == ["AV2", "AV1"])
    #expect(after.mapping(process: p2, named: "stack")?.pages == 6)
    // The page mapped at P2's old page 0 is now page 2 of the grown mapping, still in AV1.
    #expect(after.page(process: p2, vpage: new.start + 2) == before.page(process: p2, vpage: old.start))
    // P1's stack is untouched.
    let p1 = try #require(after.processIndex(named: "P1"))
    #expect(after.mapping(process: p1, named: "stack")?.pages == 4)
    #expect(after.violations.isEmpty)
  }

  @Test("expand_stack of an untouched stack calls anon_vma_prepare first", arguments: KernelVersion.allCases)
  func stackPrepare(kernel: KernelVersion) {
    let t = timeline(
      """
      kernel \(kernel.rawValue)
      spawn P1
      mmap P1 guard 1
      mmap P1 stack 2 growsdown
      grow-stack P1 stack 1
      """)
    let functions = t.events(step: 4).map(\.function)
    let prepare = functions.firstIndex(of: "anon_vma_prepare")
    let grow = functions.firstIndex(of: "expand_downwards")
    #expect(prepare != nil && grow != nil && prepare! < grow!)
    #expect(t.states[4].chain("P1", "stack") == ["AV1"])
    #expect(lockEvents(t, step: 4).filter { $0.hasPrefix("lock ") }.count == 2)
  }

  /// D.6: the parent's heap and a fork child's heap grow by brk (steps 6, 7, 8).
  static func brkScene(_ kernel: KernelVersion) -> Timeline {
    timeline(
      """
      kernel \(kernel.rawValue)
      spawn P0
      mmap P0 heap 2
      touch P0 heap 0..1
      fork P0 P1
      touch P1 heap 0
      brk P1 heap +1
      brk P0 heap +1
      brk P1 heap +1
      """)
  }

  @Test(
    "brk: no anon_vma lock in 2.6.34 and 2.6.36 (vm_end only); 6.x locks a singular-chain heap, gives a fork child a new VMA",
    arguments: KernelVersion.allCases)
  func brkLocks(kernel: KernelVersion) throws {
    let t = Self.brkScene(kernel)
    #expect(lockEvents(t, step: 6) == [])
    #expect(lockEvents(t, step: 7) == (kernel.isModern ? ["lock AV1 for write", "unlock AV1"] : []))
    #expect(lockEvents(t, step: 8) == [])
    let narration = t.events(step: 6).map(\.text)
    switch kernel {
    case .v2_6_34: #expect(narration.contains("2.6.34 takes no anon_vma lock here"))
    case .v2_6_36: #expect(narration.contains("only vm_end changes: no anon_vma lock"))
    case .v6, .mainline: #expect(narration.contains("the heap VMA's chain is not singular (a fork child's): a new VMA"))
    }
    let w = t.states[8]
    let p0 = try #require(w.processIndex(named: "P0"))
    let p1 = try #require(w.processIndex(named: "P1"))
    let heaps = w[process: p1].vmas.compactMap { w.vmas[$0] }.filter { $0.mapping == "heap" }
    let base = try #require(w.mapping(process: p1, named: "heap")).base
    #expect(w.mapping(process: p1, named: "heap")?.pages == 4)
    #expect(w.mapping(process: p0, named: "heap")?.pages == 3)
    if kernel.isModern {
      // do_brk_flags(): the child's heap VMA stays 0..1; the growth is a VMA of its own,
      // extended by the second brk, without an anon_vma.
      #expect(heaps.map { [$0.start - base, $0.end - base] } == [[0, 2], [2, 4]])
      #expect(heaps.last?.anonVMA == nil)
    } else {
      #expect(heaps.map { [$0.start - base, $0.end - base] } == [[0, 4]])
    }
    #expect(w.chain("P1", "heap", 0) == ["AV2", "AV1"])
    #expect(w.violations.isEmpty)
  }

  @Test("the D.6 scene's expect lines hold in every model", arguments: KernelVersion.allCases)
  func d6Scene(kernel: KernelVersion) throws {
    let source = try String(
      contentsOf: repoRoot.appendingPathComponent("scenes/concurrency/d6-brk-siblings.scene"), encoding: .utf8)
    let t = timeline(source.replacingOccurrences(of: "kernel 2.6.36", with: "kernel \(kernel.rawValue)"))
    #expect(t.kernel == kernel)
    #expect(t.expectations.count == 9)
    for e in t.expectations { #expect(t.evaluate(e) == .pass, "\(e.statement)") }
    // No brk of a sibling takes an anon_vma lock, in any model.
    for step in 10...15 { #expect(lockEvents(t, step: step) == [], "step \(step)") }
  }

  @Test("what brk and grow-stack refuse")
  func refusals() throws {
    var w = World(kernel: .v2_6_36)
    for op: AnonVMASim.Operation in [
      .spawn("P1"), .mmap(process: "P1", mapping: "heap", pages: 2, growsDown: false),
      .mmap(process: "P1", mapping: "stack", pages: 2, growsDown: true),
    ] {
      _ = try w.apply(op)
    }
    func refusal(_ op: AnonVMASim.Operation) -> String? {
      var copy = w
      do {
        _ = try copy.apply(op)
        return nil
      } catch {
        // apply(_:) throws SimError only (typed throws).
        return error.message
      }
    }
    #expect(
      refusal(.brk(process: "P1", mapping: "stack", pages: 1))
        == "brk grows a heap mapping at its end; 'stack' is growsdown (use grow-stack)")
    // heap is pages 0..1, stack starts at page 18: brk may grow to page 16 (one page kept free).
    #expect(refusal(.brk(process: "P1", mapping: "heap", pages: 15)) == nil)
    #expect(
      refusal(.brk(process: "P1", mapping: "heap", pages: 16))
        == "brk +16 of 'heap' would reach P1:stack@0 (sys_brk keeps a page free before the next mapping)")
    #expect(
      refusal(.growStack(process: "P1", mapping: "heap", pages: 1))
        == "'heap' is not a stack: grow-stack needs a mapping made with growsdown")
    #expect(refusal(.growStack(process: "P1", mapping: "stack", pages: 16)) == nil)
    #expect(
      refusal(.growStack(process: "P1", mapping: "stack", pages: 17))
        == "grow-stack 17 of 'stack' would reach into P1:heap@0")
    var low = World(kernel: .v6)
    _ = try low.apply(.spawn("P1"))
    _ = try low.apply(.mmap(process: "P1", mapping: "stack", pages: 2, growsDown: true))
    #expect(throws: SimError("grow-stack 1 would take 'stack' below address 0")) {
      _ = try low.apply(.growStack(process: "P1", mapping: "stack", pages: 1))
    }
  }
}
