extension World {
  /// Checks the invariants of `Docs/kernel-semantics.md` §C that apply to this model and reports
  /// new violations (a violation that persists is reported once).
  ///
  /// Only what changed since the last check is examined (the VMAs of changed processes, changed
  /// anon_vmas and those linked to them), so a step costs in proportion to what it touched; the
  /// tests compare this with a full check after every step of random sequences.
  ///
  /// While an operation is unfinished on some CPU, the structural invariants C1–C7 and the
  /// counter equations of C8–C10 are not checked (objects may be half-updated, as in the kernel).
  ///
  /// - Parameter everything: check every object, not only what changed since the last check.
  ///   The race explorer needs this: it reaches one state by many schedules and keeps the first,
  ///   whose record of what changed belongs to that schedule only.
  public mutating func checkInvariants(everything: Bool = false) {
    let scope = everything ? nil : CheckScope(self)
    // The page-safety check (C12) reads the page tables of the processes in scope: work.
    if let scope {
      for p in scope.processes { work.value += self[process: p].ptes.count }
    } else {
      work.value += pageTableEntries
    }
    for violation in invariantViolations(scope: scope) {
      report(violation.code, violation.message, objects: violation.objects)
    }
    forgetChangesWhenQuiescent()
  }

  /// What a check does besides reporting: forgets what changed once every CPU is idle (what
  /// changed is kept while an operation is unfinished: some checks wait for quiescence). The
  /// race explorer's replay calls it alone for a step whose check it knows reported nothing.
  public mutating func forgetChangesWhenQuiescent() {
    if allIdle {
      bookkeeping.touchedProcesses = []
      bookkeeping.touchedAnonVMAs = []
      bookkeeping.touchedAVCs = []
    }
  }

  /// The invariant violations of the current state, without recording them.
  ///
  /// - Parameter scope: nil checks everything; else only the objects in scope and what they link to.
  /// - Returns: each violation's rule code (`C1`…`C26`), message and the objects it names, in rule
  ///   order.
  public func invariantViolations(scope: CheckScope? = nil) -> [(code: String, message: String, objects: [ObjectRef])] {
    var s = invariantScan(scope)
    if s.quiescent {
      checkListMembership(&s)
      checkChains(&s)
      checkSharedAnonVMAs(&s)
      checkCounters(&s)
      checkAllLocksBits(&s)
    }
    checkRoots(&s)
    checkPageSafety(&s)
    checkRmapIndex(&s)
    checkKSMItems(&s)
    checkLockWaits(&s)
    return s.found
  }
}
