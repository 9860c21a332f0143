import AnonVMASim
import PropertyBased
import Testing

/// What 6.1 and mainline are compared on after each step (`observable(_:)`): per process in
/// order, each VMA's range, protection, whether it has an anon_vma, which anon_vma, and the
/// *set* of anon_vmas on its chain (mainline builds a cloned chain in reverse order, so the order
/// is not compared); each PTE (a page as the anon_vma it is filed in, or KSM, and its access:
/// exclusive, or else writable or read-only; swap, zero and
/// migration entries as they are); per live anon_vma its root, parent, refcount, num_children,
/// num_active_vmas and interval-tree order of VMAs; the numbers of AVCs and pages; the CPUs'
/// locks (none after a step). anon_vmas are named by their rank among the live ones, since
/// mainline's anon_vma_fork() allocates (and, on reuse, frees) an anon_vma 6.1 never allocates.
/// Micro-steps and their order are not compared: they are what the rework changed.
func observable(_ w: World) -> [String] {
  let alive = w.aliveAnonVMAs.sorted()
  func name(_ a: AnonVMAID?) -> String {
    guard let a else { return "-" }
    return alive.firstIndex(of: a).map { "X\($0)" } ?? "dead"
  }
  var lines: [String] = []
  for p in w.processes.indices where w.processes[p].alive {
    let proc = w.processes[p]
    for id in proc.vmas {
      guard let v = w.vmas[id] else { continue }
      let chain = w.chainAnonVMAs(id).map { name($0) }.sorted().joined(separator: ",")
      lines.append("\(proc.name) \(v.start)..<\(v.end) \(v.prot.rawValue) \(name(v.anonVMA)) {\(chain)}")
    }
    for v in proc.ptes.keys.sorted() {
      guard let pte = proc.ptes[v] else { continue }
      switch pte {
      case .page(let page, let writable):
        let mapping: String
        switch w.pages[page.raw - 1].mapping {
        case .anon(let a): mapping = name(a)
        case .ksm: mapping = "KSM"
        case .none: mapping = "none"
        }
        // A PageAnonExclusive page is written without a copy whether its PTE is writable now or
        // becomes so at its next write fault; mainline maps it writable on a read swap-in
        // (c18160dba5ff) and read-only after break_ksm's unsharing fault, where 6.1 does the
        // opposite: the two are one state here.
        let exclusive = w.pages[page.raw - 1].anonExclusive
        lines.append("  pte \(v) \(mapping) \(exclusive ? "exclusive" : writable ? "rw" : "ro")")
      default: lines.append("  pte \(v) \(pte)")
      }
    }
  }
  for a in alive {
    let x = w[anonVMA: a]
    let tree = w.listVMAs(a).map { w.vmaName($0) }.joined(separator: ",")
    lines.append(
      "\(name(a)) root \(name(x.root)) parent \(name(x.parent)) ref \(x.refcount) nc \(x.numChildren) "
        + "act \(x.numActiveVMAs) tree [\(tree)]")
  }
  lines.append("avcs \(w.avcCount) pages \(w.pages.count)")
  return lines
}

/// Where the rules changed between 6.1 and mainline, the states may part: an mprotect whose
/// faulted range mainline merged into an unfaulted neighbour (is_mergeable_anon_vma case 1,
/// 879bca0a2c4f), which leaves mainline with fewer VMAs in that process.
func explainedDivergence(_ op: Operation, _ w61: World, _ wMain: World) -> Bool {
  guard case .mprotect(let process, _, _, _, _) = op,
    let p61 = w61.processIndex(named: process), let pMain = wMain.processIndex(named: process)
  else { return false }
  return wMain[process: pMain].vmas.count < w61[process: p61].vmas.count
}

@Suite("6.1 and mainline agree wherever the rules did not change")
struct DifferentialTests {
  @Test("random sequences: same observable state after every step until a changed merge rule parts them")
  func sameWhereRulesAgree() async {
    var compared = 0
    var parted = 0
    await propertyCheck(count: 600, input: Gen.int(in: 0...Int(Int32.max)).array(of: 1...60)) { seeds in
      var w61 = World(kernel: .v6)
      var wMain = World(kernel: .mainline)
      var together = true
      for (i, seed) in seeds.enumerated() {
        guard let op = randomOperation(seed, in: wMain) else { continue }
        if case .takeAllLocks = op { continue }
        if case .dropAllLocks = op { continue }
        wMain.step = i + 1
        wMain.freedThisStep = []
        let appliedMain = (try? wMain.apply(op)) != nil
        wMain.checkInvariants()
        #expect(wMain.violations.isEmpty, "mainline: \(wMain.violations) after \(op.label)")
        guard together else { continue }
        w61.step = i + 1
        w61.freedThisStep = []
        let applied61 = (try? w61.apply(op)) != nil
        w61.checkInvariants()
        if applied61 != appliedMain || observable(w61) != observable(wMain) {
          let ok = applied61 && appliedMain && explainedDivergence(op, w61, wMain)
          let shown =
            observable(w61).joined(separator: "\n") + "\nmainline\n" + observable(wMain).joined(separator: "\n")
          #expect(ok, "\(op.label): 6.1\n\(shown)")
          parted += 1
          together = false
        } else if appliedMain {
          compared += 1
        }
      }
    }
    // The comparison must really cover the models (600 sequences of up to 60 seeds: about 8000
    // applied steps; random sequences rarely reach case 1, `changedRuleParts` covers it).
    #expect(compared > 6000, "compared \(compared) steps, parted \(parted) times")
  }

  @Test("the changed merge rule parts the models, and the divergence is the one explained")
  func changedRuleParts() throws {
    var w61 = World(kernel: .v6)
    var wMain = World(kernel: .mainline)
    let ops: [Operation] = [
      .spawn("P1"), .mmap(process: "P1", mapping: "A", pages: 2, growsDown: false),
      .mprotect(process: "P1", mapping: "A", first: 0, last: 0, prot: .ro),
      .touch(process: "P1", mapping: "A", first: 1, last: 1),
    ]
    for op in ops {
      _ = try w61.apply(op)
      _ = try wMain.apply(op)
      #expect(observable(w61) == observable(wMain), "\(op.label)")
    }
    let merge = Operation.mprotect(process: "P1", mapping: "A", first: 1, last: 1, prot: .ro)
    _ = try w61.apply(merge)
    _ = try wMain.apply(merge)
    #expect(observable(w61) != observable(wMain))
    #expect(explainedDivergence(merge, w61, wMain))
    #expect(!explainedDivergence(merge, wMain, w61))
  }

  @Test("the comparison can fail: a model difference outside the merge rule is seen")
  func canFail() throws {
    var w61 = World(kernel: .v6)
    var wMain = World(kernel: .mainline)
    for op: Operation in [
      .spawn("P1"), .mmap(process: "P1", mapping: "A", pages: 1, growsDown: false),
      .touch(process: "P1", mapping: "A", first: 0, last: 0),
    ] {
      _ = try w61.apply(op)
      _ = try wMain.apply(op)
    }
    #expect(observable(w61) == observable(wMain))
    wMain[anonVMA: 1].numActiveVMAs += 1
    #expect(observable(w61) != observable(wMain))
    #expect(!explainedDivergence(.spawn("P2"), w61, wMain))
  }
}
