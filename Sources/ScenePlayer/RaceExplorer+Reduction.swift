import AnonVMASim

/// The race explorer's partial-order reduction: **ample sets** (Peled; Clarke, Grumberg and Peled,
/// "Model Checking", MIT Press 1999, chapter 10) with the cycle proviso for breadth-first search
/// (Bošnački and Holzmann, "Improving Spin's partial-order reduction for breadth-first search",
/// SPIN 2005). In a state where it can, the search expands one CPU's micro-step alone instead of
/// every CPU's; elsewhere it expands every enabled micro-step, as the full search does.
///
/// The ample set of a state is `{a}`, CPU p's next micro-step, when all of these hold (else it is
/// the whole enabled set):
///
/// - **C0** (non-empty iff the enabled set is): `a` is enabled: the attempt progressed (not
///   refused, blocked or deadlocked; checked on the successor, ``ampleAfter(_:_:cpu:reduction:)``).
/// - **C1** (dependence): no micro-step that depends on `a` can run before it. p has no other
///   micro-step than `a` until `a` runs; for every other CPU the search takes the union of the
///   footprints of every instruction left in its program (``World/remainingFootprint(cpu:)``:
///   a call counts as everything it may expand into, an operation not yet begun as its
///   expansion made now on a copy, unknown instructions as everything), an over-approximation
///   of all its future micro-steps, and requires that `a`'s footprint
///   (``World/nextStepFootprint(cpu:)``) conflict with none of them. This is the persistent-set
///   construction from each process's future transitions (Godefroid, LNCS 1032, 1996, chapter
///   4; Clarke, Grumberg and Peled, section 10.5). Where the table predicts a future from state
///   (what an operation or a fork will expand into: a process's VMAs and chains, the process
///   table, an anon_vma's root), the footprint records it as an assumption
///   (``Footprint/assumes``), and the prediction is used only when no CPU other than p and the
///   predicting one may write it (checked pairwise on the remaining footprints, so along any
///   path that leaves p alone each prediction stays true until the first step that breaks
///   it, which by C1 cannot come first). No sleep sets: the ample set is the only reduction.
/// - **C2** (visibility): `a` is invisible to the invariants (``Footprint/mayBeVisible``): it
///   writes nothing an invariant checked while an operation is unfinished reads, and it leaves
///   its CPU running (so quiescence, which decides which invariants are checked, is unchanged).
///   The invariant checker is the observer: a micro-step that may change anything it reads is
///   never taken alone. While an operation is unfinished (which C2 keeps so)
///   ``World/invariantViolations(scope:)`` runs only checkRoots (C11: each anon_vma's root, the
///   root's liveness and own root, parent and creator), checkPageSafety (C12 before quiescence:
///   every page table, the pages mapped and their anon_vmas' liveness), checkKSMItems (C13: KSM
///   stable nodes and the liveness of the anon_vmas their items name) and checkLockWaits (C23:
///   each CPU's state and the lock it waits for); the rest wait for quiescence. So the visible
///   objects are the page tables, the pages, the KSM nodes and each anon_vma's own fields; the
///   lock table and lock records, the wait-for order, the AVCs, the anon_vmas' lists and
///   counters, the VMAs and mm, the detached list and the slab's free list are invisible (C23
///   reads a CPU's `waitingFor`, but a step that progresses leaves every other CPU's state and
///   wait unchanged, checked by ``ampleAfter(_:_:cpu:reduction:)``, and its own is on the
///   successor, which the search checks).
///   Violations a micro-step reports itself (a lock of a freed anon_vma, say) belong to the
///   transition; by C1 each such transition runs in the reduced graph from a state that agrees
///   on everything it reads, and reports the same. Without C2 a violation can be missed: a
///   test (`ReductionTests.brokenC2IsCaught`) shows a copy-on-write that repairs a page mapped
///   through a freed anon_vma before the search sees it.
/// - **C3** (cycle proviso, breadth first): `a`'s successor is a state never seen before. A
///   reduced expansion then always discovers its successor, so along a cycle of reduced
///   expansions discovery order would strictly increase: every cycle holds a fully expanded
///   state, and no micro-step is postponed for ever.
///
/// Deadlocks stay exact: a state with a blocked or deadlocked CPU is always expanded fully (the
/// deadlock detector reads the whole wait-for graph), and a state where nobody can move has an
/// empty enabled set, so by C0 it is never reduced; ample sets with C0 and C1 are persistent sets,
/// which keep every reachable deadlock (Godefroid, LNCS 1032, 1996).
///
/// The footprints (``Footprint``) name one anon_vma's fields, one anon_vma's list, one AVC, one
/// lock, one process's VMAs and one page table; the allocators (pages, anon_vmas, AVCs) are
/// classes, as their ids depend on the order of allocation. The reduction applies where a CPU's
/// next micro-step is a lock, an unlock, a narration, a list insertion or deletion, an AVC free,
/// a VMA's detach or removal or another invisible micro-step, and the other CPUs will touch
/// neither that lock nor what it reads or writes. Micro-steps that allocate pages or write page
/// tables depend on each other and are visible to C12's scan: they are always interleaved both
/// ways.
extension RaceExplorer {
  /// The CPU whose next micro-step may form a one-element ample set in `world` (C1 and C2 as far
  /// as they can be decided before the step runs), or nil for a full expansion.
  static func ampleCandidate(_ world: World, reduction: Reduction) -> Int? {
    guard reduction != .none else { return nil }
    // A blocked or deadlocked CPU: the wait-for graph is read by whoever moves next.
    guard world.cpus.indices.allSatisfy({ world.cpuState($0) == .running || world.cpuState($0) == .idle }) else {
      return nil
    }
    let running = world.cpus.indices.filter { world.cpuState($0) == .running }
    guard running.count > 1 else { return nil }
    // C2 first, as it is cheap: the CPUs whose next micro-step is invisible to the invariants,
    // with its footprint. Only when there is one are the other CPUs' futures worked out (the
    // costly part: an operation not yet begun is expanded on a copy of the world); in a state
    // where every next micro-step is visible (a copy-on-write scene's page-table writes) the
    // answer is nil without them, as it would be with them.
    var candidates: [(index: Int, step: Footprint)] = []
    let broken = reduction == .brokenC2ForTesting
    for (i, p) in running.enumerated() {
      guard let step = world.nextStepFootprint(cpu: p, invisibleOnly: !broken), !step.mayBeVisible || broken else {
        continue
      }
      if reduction == .brokenC1ForTesting { return p }
      candidates.append((i, step))
    }
    guard !candidates.isEmpty else { return nil }
    // The running CPUs' remaining footprints, each worked out when first needed (a candidate's
    // own is never needed for it; one that conflicts stops the others being worked out), and
    // which rest on state (``Footprint/assumes``) another CPU may write: such a footprint is
    // valid only while that CPU has not moved. The answer is the one of every footprint worked
    // out first (`AmpleFastPathTests` compares them).
    var futures = [Footprint?](repeating: nil, count: running.count)
    func future(_ j: Int) -> Footprint {
      if let f = futures[j] { return f }
      let f = world.remainingFootprint(cpu: running[j])
      futures[j] = f
      return f
    }
    var unsettled = [[Bool?]](repeating: [Bool?](repeating: nil, count: running.count), count: running.count)
    func isUnsettled(_ j: Int, by k: Int) -> Bool {
      if let known = unsettled[j][k] { return known }
      let fj = future(j)
      let answer = !fj.assumes.isEmpty && fj.isUnsettled(by: future(k))
      unsettled[j][k] = answer
      return answer
    }
    for (i, step) in candidates {
      // C1: independent of everything every other CPU may still do, each of those futures
      // computed from state no CPU but p (whose step is checked against them) may change first.
      let independent = running.indices.allSatisfy { j in
        j == i || !future(j).conflicts(with: step)
      }
      guard independent else { continue }
      let settled = running.indices.allSatisfy { j in
        j == i || running.indices.allSatisfy { k in k == i || k == j || !isUnsettled(j, by: k) }
      }
      if settled { return running[i] }
    }
    return nil
  }

  /// Whether CPU `p`'s micro-step from `world` to `next` may stand alone, as far as it is
  /// decided after the step: it progressed (C0: `p` is running again, neither blocked nor
  /// deadlocked), it left its operation unfinished (C2: the CPUs' quiescence is unchanged), and it
  /// changed no other CPU's state. The cycle proviso (C3) is the caller's.
  static func ampleAfter(_ world: World, _ next: World, cpu p: Int, reduction: Reduction) -> Bool {
    guard next.cpuState(p) == .running else { return false }
    for q in world.cpus.indices where q != p {
      guard next.cpuState(q) == world.cpuState(q), next.cpuWaitingFor(q) == world.cpuWaitingFor(q) else {
        return false
      }
    }
    return true
  }
}
