// The anon_vma lock (include/linux/rmap.h): 2.6.34 the anon_vma's own spinlock, 2.6.36 the root's
// spinlock (anon_vma_lock), 6.x the root's rwsem (anon_vma_lock_read/write). One micro-step each.

extension World {
  /// Takes an anon_vma lock (the root's in 2.6.36 and 6.x): blocks if another CPU holds it, deadlocks if this CPU
  /// does (C18).
  ///
  /// `anon_vma_lock() / spin_lock(&anon_vma->lock) / anon_vma_lock_read|write()`, include/linux/rmap.h; 2.6.34,
  /// 2.6.36 and 6.x.
  mutating func lock(_ ref: LockRef, _ mode: LockMode, cpu c: Int) throws(SimError) -> InstrResult {
    let (requested, target) = try resolveLock(ref, cpu: c)
    if lockHolders.contains(target, where: { $0.cpu == c }) {
      report(
        "C18", "cpu\(c) acquires \(av(target))'s lock, which it already holds (self-deadlock)",
        objects: [.anonVMA(target)])
      cpus[c].waitingFor = target
      cpus[c].waitingMode = mode
      return .deadlock(target)
    }
    // 6.x: a sleeper on the rwsem's wait list stays asleep until rwsem_mark_wake() wakes it
    // (``wakeWaiters()``); only a spinning 2.6.x CPU tries again by itself.
    if kernel.isModern && cpus[c].state == .blocked && cpus[c].waitList != nil { return .block(target) }
    let compatible = lockAvailable(target, for: mode, cpu: c)
    guard compatible else {
      cpus[c].waitingFor = target
      cpus[c].waitingMode = mode
      // 6.x: a sleeper joins the rwsem's wait list at the tail, once (a woken writer that loses
      // the race sleeps again in its place).
      if kernel.isModern && cpus[c].waitList == nil {
        let place = cpus.reduce(1) { $0 + ($1.waitList?.lock == target ? 1 : 0) }
        cpus[c].waitList = RwsemWaiter(lock: target, mode: mode, place: place)
      }
      return .block(target)
    }
    // page_lock_anon_vma() of 2.6.36+ may lock a freed root under rcu_read_lock() and then
    // re-checks page_mapped(): "SLAB_DESTROY_BY_RCU guarantees that - so the spin_lock above
    // cannot corrupt" (mm/rmap.c). Anywhere else, locking a freed anon_vma is a use after free.
    if !self[anonVMA: target].alive && !regs(c).rcuPageLock {
      report(
        kernel == .v2_6_34 ? "C15" : "C11",
        "cpu\(c) locks \(av(target)), which has been freed", objects: [.anonVMA(target)])
    }
    if kernel != .v2_6_34, self[anonVMA: target].root != target {
      report("C16", "cpu\(c) takes the lock of \(av(target)), which is not a root", objects: [.anonVMA(target)])
    }
    lockHolders.add(LockHolder(cpu: c, mode: mode, op: cpus[c].op), to: target)
    leaveWaitList(cpu: c)
    cpus[c].holds.append(target)
    cpus[c].holdModes.append(mode)
    // Text only when narrating (an autoclosure): quiet builds take millions of locks.
    // atomic_dec_and_lock() found the count at 1 (atomic_add_unless refused) before it took the
    // lock; another CPU may have raised it while this one spun, so the text says "was".
    if !kernel.isModern, let a = decAndLockTarget(cpu: c, next: 0) {
      return emit(
        c, "atomic_dec_and_lock",
        "lock \(av(target))" + (a == target ? "" : " (root of \(av(a)))")
          + ": \(av(a))'s \(counterName) was 1, so its drop is made under the lock",
        objects: [.anonVMA(target)] + (a == target ? [] : [.anonVMA(a)]))
    }
    return emit(
      c, lockFunction(mode),
      "lock \(av(target))\(requested == target ? "" : " (root of \(av(requested)))")"
        + (mode == .exclusive ? "" : " for \(mode.rawValue)"),
      objects: [.anonVMA(target)] + (requested == target ? [] : [.anonVMA(requested)]))
  }

  /// Releases an anon_vma lock (C20 if not held).
  ///
  /// `spin_unlock(&anon_vma->lock)` (2.6.34's mm/rmap.c) / `anon_vma_unlock()` (2.6.36) /
  /// `anon_vma_unlock_read|write()` (6.x), include/linux/rmap.h.
  mutating func unlock(_ ref: LockRef, cpu c: Int) throws(SimError) -> InstrResult {
    let (requested, target) = try resolveLock(ref, cpu: c)
    guard let index = cpus.withUnsafeBufferPointer({ $0[c].holds.lastIndex(of: target) }) else {
      report("C20", "cpu\(c) unlocks \(av(target))'s lock, which it does not hold", objects: [.anonVMA(target)])
      return emit(c, unlockFunction(writeMode), "unlock \(av(target)) (not held!)", objects: [.anonVMA(target)])
    }
    cpus[c].holds.remove(at: index)
    let mode = cpus[c].holdModes.remove(at: index)
    lockHolders.remove(from: target) { $0.cpu == c }
    return emit(
      c, unlockFunction(mode),
      "unlock \(av(target))\(requested == target ? "" : " (root of \(av(requested)))")",
      objects: [.anonVMA(target)] + (requested == target ? [] : [.anonVMA(requested)]))
  }

  /// A waiter that took the rwsem leaves its wait list; those behind it move up.
  private mutating func leaveWaitList(cpu c: Int) {
    guard let left = cpus[c].waitList else { return }
    cpus[c].waitList = nil
    for i in cpus.indices {
      if let w = cpus[i].waitList, w.lock == left.lock, w.place > left.place { cpus[i].waitList?.place -= 1 }
    }
  }
}
