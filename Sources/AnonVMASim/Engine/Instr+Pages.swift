extension Instr {
  /// Calls `body` with every page id the instruction names (a literal; a register is read
  /// from the CPU's registers, which ``CPU/forEachPage(_:)`` covers).
  ///
  /// The race explorer's symmetry reduction (``World/hashKernelState(into:pageNames:)``) keeps the
  /// pages a CPU names under their own ids, so a page id named here and not listed would be
  /// renamed in the kernel state and not in the CPU: `FingerprintTests` finds every page id in
  /// every reachable program by reflection and fails when one is missed.
  public func forEachPage(_ body: (PageID) -> Void) {
    withUnsafePointer(to: self) { Self.forEachPage(at: $0, body) }
  }

  /// ``forEachPage(_:)`` of an instruction read in place (a call on `instrs[i]` copies it
  /// first; the switch here reads only the cases that name a page).
  static func forEachPage(at instr: UnsafePointer<Instr>, _ body: (PageID) -> Void) {
    switch instr.pointee {
    case .pageLockAnonVMA(let p, _), .ksmWalk(let p, _), .isolatePage(let p), .visitKSM(_, let p, _, _, _),
      .readPageMapping(let p), .recheckMapped(let p), .visitVMA(_, let p, _), .addToSwap(let p), .freePage(let p, _),
      .moveToNewPage(let p), .migrateIfMapped(let p, _), .unmapAndMove(let p, _), .pageGetAnonVMA(let p),
      .getAnonVMAIncNotZero(let p),
      .getAnonVMARecheckMapped(let p), .folioTrylockRead(let p, _), .folioLockIncNotZero(let p),
      .folioLockRecheckMapped(let p), .finishWalkPutback(let p), .finishWalkKSM(let p, _):
      body(p)
    case .rmapWalkVisits(let p, _, _, _):
      if case .lit(let id) = p { body(id) }
    case .unlessBailed(let inner):
      inner.forEachPage(body)
    default:
      break
    }
  }
}

extension CPU {
  /// Calls `body` with every page id the CPU holds: its registers (`page`, `newPage`, the
  /// walk's page) and its program's literals (``Instr/forEachPage(_:)``).
  public func forEachPage(_ body: (PageID) -> Void) {
    withUnsafePointer(to: self) { Self.forEachPage(at: $0, body) }
  }

  /// ``forEachPage(_:)`` of a CPU read in place (a call on `cpus[c]` copies the CPU first).
  public static func forEachPage(at cpu: UnsafePointer<CPU>, _ body: (PageID) -> Void) {
    if let p = cpu.pointee.regs.page { body(p) }
    if let p = cpu.pointee.regs.newPage { body(p) }
    if !CPU.walkless(cpu), let p = cpu.pointee.regs.walk?.page { body(p) }
    cpu.pointee.pending.forEachPage(body)
  }
}
