import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TestSupport
import Testing

/// The January 2026 mremap anon_vma use-after-free (Docs/kernel-semantics.md D.10) in the
/// mainline model: the fix (61f67c230a5e `copied_from` + `dup_anon_vma(target, copied_from)`,
/// 3b617fd3d317 the fork-child limit on the moved VMA) and the variant `mremap-uaf` (the kernel
/// before it), over the four layouts of 61f67c230a5e's message (scenes/mainline/mremap-uaf-*).
@Suite("mremap-uaf: the 2026 mremap merge use-after-free, before and after the fix")
struct MRemapUAFTests {
  /// Layout scene, the mapping naming the merged VMA after the final step, whether the variant
  /// frees AV1 there (61f67c230a5e: layouts 1-3 broken; 4 "covered by the existing logic").
  static let layouts: [(file: String, merged: String, fires: Bool)] = [
    ("mainline/mremap-uaf-prev.scene", "p", true),
    ("mainline/mremap-uaf-next.scene", "a", true),
    ("mainline/mremap-uaf-both.scene", "p", true),
    ("mainline/mremap-uaf-prev-next-faulted.scene", "p", false),
    ("mainline/mremap-dontunmap-uaf.scene", "a", true),
  ]

  func run(_ file: String, variant: Bool) throws -> Timeline {
    let source = try String(contentsOf: repoRoot.appendingPathComponent("scenes/\(file)"), encoding: .utf8)
    let scene = Parser.parse(source)
    #expect(scene.diagnostics.isEmpty)
    let t = Timeline(
      scene: scene, defaultTitle: file, kernel: .mainline, variants: variant ? [.mremapUAF] : [])
    #expect(t.runtimeDiagnostics.isEmpty, "\(t.runtimeDiagnostics)")
    return t
  }

  /// The step of the scene's last mremap (the move back).
  func lastMRemap(_ t: Timeline) -> Int {
    (1..<t.stepCount + 1).last { t.steps[$0].label.hasPrefix("mremap") } ?? 0
  }

  @Test(
    "with the variant: C12 at the move back in layouts 1-3, nothing before it; layout 4 stays clean",
    arguments: layouts.map(\.file))
  func variantFires(file: String) throws {
    let layout = try #require(Self.layouts.first { $0.file == file })
    let t = try run(file, variant: true)
    let k = lastMRemap(t)
    #expect(k == t.stepCount)
    #expect(t.states[k - 1].violations.isEmpty, "\(t.states[k - 1].violations)")
    let w = t.states[k]
    if layout.fires {
      #expect(w.violations.map(\.code) == ["C12"], "\(w.violations)")
      #expect(w.violations.allSatisfy { $0.step == k })
      #expect(!w.isAlive(1))
      #expect(w.chain("P1", layout.merged) == [])
    } else {
      #expect(w.violations.isEmpty, "\(w.violations)")
      #expect(w.chain("P1", layout.merged) == ["AV1"])
    }
  }

  @Test(
    "without the variant (the fix): no violation; the merged VMA has AV1, chain [AV1], and the rmap finds y0 in it",
    arguments: layouts.map(\.file))
  func fixedKeepsAnonVMA(file: String) throws {
    let layout = try #require(Self.layouts.first { $0.file == file })
    let t = try run(file, variant: false)
    let w = try #require(t.states.last)
    #expect(w.violations.isEmpty, "\(w.violations)")
    #expect(w.isAlive(1))
    #expect(w.chain("P1", layout.merged) == ["AV1"])
    #expect(w.chain("P1", "x") == [])
    let p = try #require(w.processIndex(named: "P1"))
    let merged = try #require(w.vma(process: p, mapping: layout.merged, firstPage: nil))
    #expect(w.listVMAs(1) == [merged])
    let (_, v) = try w.resolve(PageRef(process: "P1", mapping: "y", index: 0))
    #expect(w.vmaContaining(process: p, vpage: v) == merged)
    #expect(w.page(process: p, vpage: v).map { w[page: $0].mapping } == .anon(1))
  }

  @Test("the fix: copy_vma passes copied_from and vma_expand dup_anon_vma()s it; the variant does neither")
  func dupFromCopiedFrom() throws {
    let fixed = try run("mainline/mremap-uaf-next.scene", variant: false)
    let broken = try run("mainline/mremap-uaf-next.scene", variant: true)
    let k = lastMRemap(fixed)
    let f = fixed.events(step: k).map(\.summary)
    let b = broken.events(step: k).map(\.summary)
    #expect(f.contains { $0.hasPrefix("copy_vma: vma_merge_copied_range") }, "\(f)")
    #expect(f.contains { $0.hasPrefix("vma_expand: dup_anon_vma(P1:a@4, copied_from P1:x@0)") }, "\(f)")
    #expect(b.contains { $0.hasPrefix("copy_vma: vma_merge_new_range (no copied_from)") }, "\(b)")
    #expect(!b.contains { $0.contains("dup_anon_vma") }, "\(b)")
  }

  @Test("the free happens at dontunmap_complete's unlink, after move_ptes, not at the merge")
  func firesAtTheFree() throws {
    let t = try run("mainline/mremap-uaf-next.scene", variant: true)
    let micro = t.states.microStates(step: lastMRemap(t))
    let moved = try #require(micro.firstIndex { $0.event.function == "move_ptes" })
    // The invariants as the race explorer checks them after every micro-step.
    let first = try #require(
      micro.firstIndex { m in
        var w = m.world
        w.checkInvariants(everything: true)
        return !w.violations.isEmpty
      })
    #expect(first > moved)
    #expect(micro[first].event.summary == "anon_vma_free: AV1 freed", "\(micro[first].event.summary)")
    let unlink = try #require(micro.firstIndex { $0.event.function == "dontunmap_complete" })
    #expect(unlink > moved && unlink < first)
  }

  /// Layout 1 in a fork child (the forked selftests of fb39444732f0): P2's x is a fork child.
  static let forked = """
    kernel mainline
    spawn P1
    mmap P1 p 4
    mmap P1 a 4 after p
    touch P1 a 0
    fork P1 P2
    touch P2 a 1
    mremap P2 a 0..3 to x
    mremap P2 p 0..3 to z dontunmap
    munmap P2 z
    mremap P2 x 0..3 to y after p dontunmap

    """

  @Test(
    "fork limit (3b617fd3d317): a fork child's copy is not merged into an unfaulted prev; the variant merges and frees")
  func forkChildRefused() throws {
    let fixed = timeline(Self.forked)
    let w = try #require(fixed.states.last)
    #expect(w.violations.isEmpty, "\(w.violations)")
    #expect(w.chain("P2", "p") == [])
    #expect(w.chain("P2", "y") == ["AV2", "AV1"])
    let broken = timeline(Self.forked.replacingOccurrences(of: "spawn P1", with: "variant mremap-uaf\nspawn P1"))
    let b = try #require(broken.states.last)
    #expect(b.violations.contains { $0.code == "C12" }, "\(b.violations)")
    #expect(b.chain("P2", "p") == [])
    #expect(b.chain("P2", "y") == [])
  }

  @Test("model prediction, not run on a kernel: without dontunmap the source's do_munmap frees AV1 the same way")
  func plainMRemapPrediction() throws {
    let source = try String(
      contentsOf: repoRoot.appendingPathComponent("scenes/mainline/mremap-uaf-next.scene"), encoding: .utf8
    )
    .replacingOccurrences(of: "to y before b dontunmap", with: "to y before b")
    let scene = Parser.parse(source)
    let broken = Timeline(scene: scene, defaultTitle: "t")
    let fixed = Timeline(scene: scene, defaultTitle: "t", kernel: .mainline)
    let k = lastMRemap(broken)
    #expect(broken.states[k].violations.map(\.code) == ["C12"], "\(broken.states[k].violations)")
    #expect(
      broken.events(step: k).contains {
        ["do_munmap", "detach_vmas_to_be_unmapped", "vms_gather_munmap_vmas"].contains($0.function)
      })
    #expect(fixed.states[k].violations.isEmpty && fixed.states[k].chain("P1", "a") == ["AV1"])
  }

  @Test("the variant belongs to mainline and is refused on another model")
  func variantModel() {
    #expect(Variant.mremapUAF.kernel == .mainline)
    let scene = Parser.parse("kernel 6.1\nvariant mremap-uaf\nspawn P1\n")
    #expect(!scene.diagnostics.isEmpty)
  }
}
