import AnonVMASim
import Conformance
import ScenePlayer
import SceneScript
import Testing

/// The kernel's facts of `forked` as the executor would read them: the model's, with the model's
/// page ids turned into PFNs (only which places share one matters).
func kernelFacts(_ model: Facts) -> Facts {
  var kernel = model
  for (name, p) in model.processes {
    for (v, page) in p.pages where page.kind == .anon || page.kind == .ksm {
      kernel.processes[name]?.pages[v]?.identity = 0x1a2b0 + page.identity
    }
  }
  return kernel
}

@Suite("play --conform: the verdict marks, the narration and the inspector's kernel facts")
struct KernelTextTests {
  @Test("marks: ✓ agreed, ✗ with the count, – not compared, ASCII spellings, none without a record")
  func marks() {
    let agreed = KernelStep(model: Facts(), kernel: Facts(), disagreements: [])
    let d = Disagreement(kind: .exclusive, place: "P1 A 0", model: "shared", kernel: "exclusive")
    let bad = KernelStep(model: Facts(), kernel: Facts(), disagreements: [d, d])
    let skipped = KernelStep(notCompared: "no swap here")
    #expect(KernelText.mark(agreed, ascii: false) == "✓")
    #expect(KernelText.mark(bad, ascii: false) == "✗2")
    #expect(KernelText.mark(skipped, ascii: false) == "–")
    #expect(KernelText.mark(agreed, ascii: true) == "ok")
    #expect(KernelText.mark(bad, ascii: true) == "X2")
    #expect(KernelText.mark(skipped, ascii: true) == "-")
    #expect(KernelText.mark(nil, ascii: false) == nil)
    let record = KernelRecord(release: "6.18", steps: [1: agreed, 2: bad, 3: skipped, 4: agreed])
    #expect(record.tally == (compared: 3, agreed: 2, notCompared: 1))
  }

  @Test("narration: agreement with what was compared; each disagreement as model against kernel; the reason")
  func narration() throws {
    let w = try world(forked)
    let model = Facts(model: w)
    let agreed = KernelStep(model: model, kernel: kernelFacts(model), disagreements: [])
    #expect(
      KernelText.narration(agreed, release: "6.18", ascii: false) == [
        "✓ Linux 6.18 agrees: 2 process(es), 2 VMA(s), 4 page(s), 2 shared, 2 zero"
      ])
    var wrong = kernelFacts(model)
    wrong.flipFirstExclusive()
    let found = Comparer.compare(model: model, kernel: wrong, world: w)
    let bad = KernelStep(model: model, kernel: wrong, disagreements: found, skippedBefore: [3])
    #expect(
      KernelText.narration(bad, release: "6.18", ascii: true) == [
        "X1 Linux 6.18 disagrees with the model on 1 fact:",
        "  P1 A 0: exclusive: model shared, kernel exclusive",
        "  (compared without step 3, not run here)",
      ])
    #expect(
      KernelText.inspectorHead(bad, step: 5, release: "6.18")
        == "after step 5, the model without step 3 and Linux 6.18:")
    #expect(KernelText.inspectorHead(agreed, step: 5, release: "6.18") == "after step 5, model and Linux 6.18:")
    #expect(
      KernelText.narration(KernelStep(notCompared: "this machine has no swap"), release: "6.18", ascii: false) == [
        "– not run on Linux 6.18: this machine has no swap"
      ])
  }

  @Test("inspector: the kernel's VMA and each page (PFN, mapcount, exclusive, sharers) beside the model's, ✓")
  func inspectorAgrees() throws {
    let w = try world(forked)
    let model = Facts(model: w)
    let step = KernelStep(model: model, kernel: kernelFacts(model), disagreements: [])
    let pg = try #require(model.processes["P1"]?.pages[0]?.identity)
    let lines = KernelText.inspector(process: "P2", start: 0, end: 2, step: step, world: w, ascii: false)
    let pfn = String(0x1a2b0 + pg, radix: 16)
    #expect(
      lines == [
        "kernel VMA    0..1 rw  ✓",
        "page P2 A 0   anonymous page, mapcount 2, shared, also P1 A 0 (model pg\(pg), kernel pfn 0x\(pfn))  ✓",
        "page P2 A 1   the zero page, on both  ✓",
      ])
  }

  @Test("inspector: a wrong exclusive bit, a page shared on one side only and a split VMA are marked ✗")
  func inspectorDisagrees() throws {
    let w = try world(forked)
    let model = Facts(model: w)
    var kernel = kernelFacts(model)
    kernel.processes["P1"]?.pages[0]?.exclusive = true
    kernel.processes["P2"]?.pages[0]?.identity = 0x99999
    kernel.processes["P1"]?.vmas = [
      VMAFact(start: 0, end: 1, writable: true), VMAFact(start: 1, end: 2, writable: false),
    ]
    let found = Comparer.compare(model: model, kernel: kernel, world: w)
    let step = KernelStep(model: model, kernel: kernel, disagreements: found)
    let p1 = KernelText.inspector(process: "P1", start: 0, end: 2, step: step, world: w, ascii: true)
    #expect(p1[0] == "kernel VMA    0..0 rw, 1..1 ro  X")
    #expect(p1[1] == "  model       0..1 rw")
    #expect(p1[2].hasPrefix("page P1 A 0   model:  anonymous page pg") && p1[2].hasSuffix("shared, also P2 A 0"))
    #expect(p1[3].hasPrefix("              kernel: anonymous page pfn 0x"))
    #expect(p1[3].hasSuffix("mapcount 2, exclusive  X"))
    #expect(p1[4] == "page P1 A 1   the zero page, on both  ok")
    #expect(p1.count == 5)
    let p2 = KernelText.inspector(process: "P2", start: 0, end: 2, step: step, world: w, ascii: true)
    // Its own facts are right, but the kernel gave it a page of its own: which places share differs.
    #expect(p2[2] == "              kernel: anonymous page pfn 0x99999, mapcount 2, shared  X")
    #expect(
      KernelText.process("P1", step: step, ascii: true) == [
        "kernel VMAs   0..0 rw, 1..1 ro  X", "  model       0..1 rw",
      ])
    #expect(KernelText.process("P2", step: step, ascii: false) == ["kernel VMAs   0..1 rw  ✓"])
    let none = KernelText.inspector(
      process: "P1", start: 0, end: 2, step: KernelStep(notCompared: "no swap"), world: w, ascii: true)
    #expect(none == ["kernel        not run here: no swap"])
  }
}

extension KernelTextTests {
  @Test("a page's inspector: each place the model maps it, the kernel's page there, one frame at all, ✓ or ✗")
  func pageInspector() throws {
    let w = try world(forked)
    let model = Facts(model: w)
    let page = try #require(w.page(process: 0, vpage: 0))
    let places = w.mappedAt(page: page).map { (process: w[process: $0.process].name, vpage: $0.vpage) }
    #expect(places.map(\.process) == ["P1", "P2"])
    let agreed = KernelStep(model: model, kernel: kernelFacts(model), disagreements: [])
    let pfn = String(0x1a2b0 + UInt64(page.raw), radix: 16)
    #expect(
      KernelText.page(places, step: agreed, world: w, ascii: false) == [
        "page P1 A 0   anonymous page, mapcount 2, shared, also P2 A 0 (model pg\(page.raw), kernel pfn 0x\(pfn))  ✓",
        "page P2 A 0   anonymous page, mapcount 2, shared, also P1 A 0 (model pg\(page.raw), kernel pfn 0x\(pfn))  ✓",
        "kernel frame  one physical page (pfn 0x\(pfn)) at all 2 places, as in the model  ✓",
      ])
    // The kernel gave P2 a page of its own: both places are ✗, and the frames differ.
    var kernel = kernelFacts(model)
    kernel.processes["P2"]?.pages[0]?.identity = 0x99999
    let split = KernelStep(
      model: model, kernel: kernel, disagreements: Comparer.compare(model: model, kernel: kernel, world: w))
    let lines = KernelText.page(places, step: split, world: w, ascii: true)
    #expect(lines.filter { $0.hasSuffix("  X") }.count == 3, "\(lines)")
    #expect(lines.last == "kernel frame  2 physical pages at the 2 places the model shares one  X")
    #expect(
      KernelText.page(places, step: KernelStep(notCompared: "no swap"), world: w, ascii: true) == [
        "kernel        not run here: no swap"
      ])
  }
}

/// The inspector's marks are a second reading of `Comparer`'s rules, place by place: on random
/// scenes with random wrong kernel facts, they must agree with it.
@Suite("play --conform: the inspector's marks against the comparer")
struct KernelTextPropertyTests {
  /// One wrong fact: a flipped exclusive bit, a mapcount off by one, a page of its own, nothing
  /// mapped, the zero page, or a VMA split in two.
  static func perturb(_ facts: inout Facts, using rng: inout RandomScenes.Generator) {
    let names = facts.processes.keys.sorted()
    guard let name = names.randomElement(using: &rng), let p = facts.processes[name] else { return }
    let pages = p.pages.keys.sorted()
    switch Int.random(in: 0..<6, using: &rng) {
    case 5:
      guard let vma = p.vmas.first, vma.end - vma.start > 1 else { return }
      let mid = vma.start + 1
      facts.processes[name]?.vmas.replaceSubrange(
        0..<1,
        with: [
          VMAFact(start: vma.start, end: mid, writable: vma.writable),
          VMAFact(start: mid, end: vma.end, writable: !vma.writable),
        ])
    case let kind:
      guard let v = pages.randomElement(using: &rng) else { return }
      switch kind {
      case 0: facts.processes[name]?.pages[v]?.exclusive.toggle()
      case 1: facts.processes[name]?.pages[v]?.mapcount += 1
      case 2: facts.processes[name]?.pages[v]?.identity = 0xdead_0000 + UInt64(v)
      case 3: facts.processes[name]?.pages[v] = nil
      default: facts.processes[name]?.pages[v] = PageFact(kind: .zero, identity: 0, mapcount: 0, exclusive: false)
      }
    }
  }

  @Test("no ✗ anywhere exactly when the comparer finds nothing; every page it names is ✗ in the inspector")
  func marksMatchComparer() throws {
    var disagreeing = 0
    for index in 0..<150 {
      let timeline = Timeline(
        scene: Parser.parse(RandomScenes.scene(seed: 2026, index: index)), defaultTitle: "r", kernel: .v6)
      let world = try #require(timeline.states.last)
      let model = Facts(model: world)
      var kernel = model
      var rng = RandomScenes.Generator(seed: UInt64(index))
      for _ in 0..<Int.random(in: 1...3, using: &rng) { Self.perturb(&kernel, using: &rng) }
      let found = Comparer.compare(model: model, kernel: kernel, world: world)
      let step = KernelStep(model: model, kernel: kernel, disagreements: found)
      let names = Set(model.processes.keys).union(kernel.processes.keys).sorted()
      var lines: [String: [String]] = [:]
      for name in names {
        lines[name] = KernelText.inspector(
          process: name, start: 0, end: 1 << 40, step: step, world: world, ascii: true, maxPages: .max)
      }
      let crosses = lines.values.joined().filter { $0.hasSuffix("  X") }
      #expect(found.isEmpty == crosses.isEmpty, "scene \(index): \(found) vs \(crosses)")
      if !found.isEmpty { disagreeing += 1 }
      for d in found where [.mapped, .mapcount, .exclusive].contains(d.kind) {
        let name = String(d.place.split(separator: " ")[0])
        let shown = lines[name] ?? []
        let at = try #require(shown.firstIndex { $0.hasPrefix("page \(d.place) ") }, "scene \(index): \(d)")
        #expect(
          shown[at].hasSuffix("  X") || (at + 1 < shown.count && shown[at + 1].hasSuffix("  X")),
          "scene \(index): \(d) not marked: \(shown)")
      }
    }
    // The wrong facts did make disagreements (the check above is not vacuous).
    #expect(disagreeing > 40, "\(disagreeing) of 150")
  }
}
