import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import Testing

@Suite("2.6.36 model, operation by operation (Docs/kernel-semantics.md §B)")
struct ModelTests {
  @Test("anon_vma_prepare: a read fault creates nothing; the first write creates a root that is its own root")
  func firstTouch() {
    let t = timeline("spawn P1\nmmap P1 A 4\nread P1 A 0\ntouch P1 A 0\ntouch P1 A 1")
    #expect(t.states[3].aliveAnonVMAs.isEmpty)
    let w = t.states[4]
    #expect(w.aliveAnonVMAs == [1])
    #expect(w[anonVMA: 1].root == 1)
    #expect(w.refcount(1) == 0)
    #expect(w.chain("P1", "A") == ["AV1"])
    // The lock is a micro-step of its own, taken on the (brand-new) root, around the publication.
    #expect(
      t.events(step: 4).map(\.function) == [
        "anon_vma_chain_alloc", "find_mergeable_anon_vma", "anon_vma_alloc", "anon_vma_lock",
        "anon_vma_prepare", "anon_vma_chain_link", "list_add_tail", "anon_vma_unlock", "do_wp_page",
      ])
    // The fast path: no anon_vma work on the second write.
    #expect(t.events(step: 5).map(\.function) == ["do_anonymous_page"])
  }

  @Test("anon_vma_fork: clone under the root lock, child anon_vma rooted at the parent's root, root pinned")
  func fork() {
    let t = timeline("spawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2")
    let w = t.states[4]
    #expect(w.chain("P2", "A") == ["AV2", "AV1"])
    #expect(w[anonVMA: 2].root == 1)
    #expect(w.refcount(1) == 1)
    #expect(w.listNames(1) == ["P1:A@0", "P2:A@0"])
    // Every lock taken during fork is the root's, once for the clone link, once for AV2's link.
    #expect(lockEvents(t, step: 4) == ["lock AV1", "unlock AV1", "lock AV1 (root of AV2)", "unlock AV1 (root of AV2)"])
    // The struct copy briefly carries the parent's anon_vma; get_anon_vma precedes the link.
    let fns = t.events(step: 4).map(\.function)
    #expect(fns.firstIndex(of: "get_anon_vma")! < fns.lastIndex(of: "anon_vma_chain_link")!)
  }

  @Test("E3: three generations give 6 chains, root refcount 2, and free newest to oldest")
  func threeGenerations() {
    let t = timeline(
      "spawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2\nfork P2 P3\nexit P2\nexit P1\nexit P3")
    let w = t.states[5]
    #expect(w.avcCount == 6)
    #expect(w.refcount(1) == 2)
    #expect(w.chain("P3", "A") == ["AV3", "AV2", "AV1"])
    #expect(t.states[6].aliveAnonVMAs == [1, 2, 3])
    #expect(t.states[7].aliveAnonVMAs == [1, 2, 3])
    #expect(t.states[8].freedThisStep == [3, 2, 1])
    // Freeing AV3 drops the root's count without the lock; AV2's drop to 0 takes it.
    let texts = t.events(step: 8).map(\.summary)
    #expect(texts.contains("atomic_dec_and_lock: AV1 external_refcount 2→1, not zero: no lock"))
    #expect(texts.contains("atomic_dec_and_lock: AV1 external_refcount 1→0 under AV1's lock"))
    #expect(t.states[8].violations.isEmpty)
  }

  @Test("E6: a KSM-referenced child keeps itself and its root alive past every exit; ksmd frees child then root")
  func ksmKeepsRootAlive() {
    let t = timeline(
      """
      spawn P1
      mmap P1 A 1
      touch P1 A 0
      fork P1 P2
      touch P2 A 0
      spawn P9
      mmap P9 B 1
      touch P9 B 0
      ksm-merge P2 A 0 P9 B 0
      exit P2
      exit P1
      ksmd-scan
      """)
    #expect(t.states[9].refcount(2) == 1)
    #expect(t.states[9].refcount(1) == 1)
    #expect(t.states[11].isAlive(1) && t.states[11].isAlive(2))
    #expect(t.states[12].freedThisStep == [2, 1])
    #expect(t.states[12].aliveAnonVMAs == [3])
    #expect(t.states[12].violations.isEmpty)
  }

  @Test("no-5/5: without the root pin the root is freed before its KSM-referenced child (C11)")
  func noFiveFive() {
    let t = timeline(
      """
      kernel 2.6.36
      variant no-5/5
      spawn P1
      mmap P1 A 1
      touch P1 A 0
      fork P1 P2
      touch P2 A 0
      spawn P9
      mmap P9 B 1
      touch P9 B 0
      ksm-merge P2 A 0 P9 B 0
      exit P2
      exit P1
      """)
    #expect(t.states[10].violations.isEmpty)
    #expect(t.states[11].freedThisStep == [1])
    #expect(t.states[11].violations.map(\.code).contains("C11"))
  }

  @Test("COW: copy into vma->anon_vma when shared, reuse and re-file with page_move_anon_rmap when alone")
  func cow() {
    let t = timeline(
      "spawn P1\nmmap P1 A 2\ntouch P1 A 0..1\nfork P1 P2\ntouch P2 A 0\ntouch P1 A 1\ntouch P2 A 1")
    func filed(_ w: World, _ p: String, _ i: Int) -> PageMapping? {
      guard let pi = w.processIndex(named: p), let m = w.mapping(process: pi, named: "A"),
        let page = w.page(process: pi, vpage: m.base + i)
      else { return nil }
      return w[page: page].mapping
    }
    #expect(filed(t.states[5], "P2", 0) == .anon(2))
    #expect(filed(t.states[5], "P1", 0) == .anon(1))
    #expect(filed(t.states[6], "P1", 1) == .anon(1))
    #expect(t.events(step: 7).map(\.function) == ["page_move_anon_rmap"])
    #expect(filed(t.states[7], "P2", 1) == .anon(2))
  }

  @Test("split takes the root lock (insert != NULL); merge unlinks the swallowed VMA's chain")
  func splitAndMerge() {
    let t = timeline("spawn P1\nmmap P1 A 4\ntouch P1 A 0..3\nmprotect P1 A 2..3 ro\nmprotect P1 A 2..3 rw")
    #expect(t.states[4].chain("P1", "A", 2) == ["AV1"])
    // mprotect_fixup() splits with new_below = 1: the *new* VMA is the lower part, so it is the
    // one cloned onto the tail of AV1's list (kernel source; the reference's "[A, A']" differs).
    #expect(t.states[4].listNames(1) == ["P1:A@2", "P1:A@0"])
    #expect(lockEvents(t, step: 4) == ["lock AV1", "unlock AV1", "lock AV1", "unlock AV1"])
    #expect(t.states[5].listNames(1) == ["P1:A@0"])
    #expect(t.states[5].chain("P1", "A") == ["AV1"])
    #expect(t.states[5].avcCount == 1)
    #expect(t.states[5].violations.isEmpty)
  }

  @Test("vma_adjust: a split above an unfaulted VMA takes no anon_vma lock")
  func splitWithoutAnonVMA() {
    let t = timeline("spawn P1\nmmap P1 A 4\nmprotect P1 A 2..3 ro\ntouch P1 A 0")
    #expect(lockEvents(t, step: 3).isEmpty)
    #expect(t.states[4].chain("P1", "A", 0) == ["AV1"])
  }

  @Test("rmap walks lock the root and visit only VMAs linked to the page's anon_vma")
  func rmapCoverage() {
    let t = timeline(
      "spawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2\nfork P2 P3\ntouch P2 A 0\nrmap P1 A 0\nrmap P2 A 0")
    #expect(t.states[7].lastWalk?.visited == ["P1:A@0", "P2:A@0", "P3:A@0"])
    #expect(t.states[7].lastWalk?.lock == 1)
    #expect(t.states[8].lastWalk?.visited == ["P2:A@0", "P3:A@0"])
    #expect(t.states[8].lastWalk?.lock == 1)
    // page_lock_anon_vma locks the root it read once (2.6.36 after f18194275c39).
    #expect(lockEvents(t, step: 8) == ["lock AV1", "unlock AV1"])
  }

  @Test("migration pins the anon_vma, unmaps by rmap walk, remaps the new page, unpins")
  func migration() {
    let t = timeline("spawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2\nmigrate P1 A 0")
    let w = t.states[5]
    let fns = t.events(step: 5).map(\.function)
    #expect(fns.contains("get_anon_vma"))
    #expect(fns.last == "atomic_dec_and_lock")
    #expect(w.listedPages == [2])
    #expect(w.pages[1].mapping == .anon(1))
    #expect(w.mappedAt(page: 2).count == 2)
    #expect(w.refcount(1) == 1)
    #expect(w.violations.isEmpty)
  }

  @Test("swap-out unmaps every mapping; a non-exclusive swap-in files the page in the root (2.6.36)")
  func swap() {
    let t = timeline(
      "spawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2\nswap-out P1 A 0\nread P2 A 0\nread P1 A 0\nexit P2")
    #expect(t.states[5].listedPages.isEmpty)
    let w = t.states[6]
    #expect(w.pages[1].mapping == .anon(1))
    #expect(t.states[7].mappedAt(page: 2).count == 2)
    #expect(t.states[8].violations.isEmpty)
  }

  @Test("2.6.34-rc3 swap-in filing leaves a mapped page pointing at a freed anon_vma (D.1, C12)")
  func swapinRC3() {
    let source = """
      kernel 2.6.34
      VARIANT
      spawn P1
      mmap P1 A 1
      touch P1 A 0
      fork P1 P2
      swap-out P1 A 0
      read P2 A 0
      read P1 A 0
      exit P2
      """
    let bad = timeline(source.replacingOccurrences(of: "VARIANT", with: "variant swapin-rc3"))
    #expect(bad.stepCount == 8)
    // C12's second half breaks as soon as P1 maps the page filed in P2's AV2 (step 7);
    // its first half when AV2 is freed under the still-mapped page (step 8).
    #expect(bad.states[6].violations.isEmpty)
    #expect(bad.states[7].violations.map(\.message) == ["P1:A@0 maps pg2 but is not linked to its anon_vma AV2"])
    #expect(bad.states[8].violations.last?.message == "page pg2 is mapped but its anon_vma AV2 was freed")
    let good = timeline(source.replacingOccurrences(of: "VARIANT", with: ""))
    #expect(good.states[8].violations.isEmpty)
  }

  @Test("mm_take_all_locks with 6/5 locks each forest once; without it, it deadlocks on the root (D.5)")
  func takeAllLocks() {
    let base = "spawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2\ntake-all-locks P2\n"
    let good = timeline("kernel 2.6.36\n" + base + "drop-all-locks P2")
    #expect(good.states[5].cpus[0].holds == [1])
    #expect(good.states[5][anonVMA: 1].allLocksBit)
    #expect(good.states[6].cpus[0].holds.isEmpty)
    #expect(good.states[6].violations.isEmpty)
    let bad = timeline("kernel 2.6.36\nvariant no-6/5\n" + base)
    #expect(bad.states[5].cpus[0].state == .deadlocked)
    #expect(bad.states[5].violations.map(\.code) == ["C18"])
    let old = timeline("kernel 2.6.34\n" + base + "drop-all-locks P2")
    #expect(old.states[5].cpus[0].holds == [2, 1])
    #expect(old.states[6].violations.isEmpty)
  }

  @Test("2.6.34: no root, each lock is the anon_vma's own, no root pin")
  func v2634() {
    let t = timeline("kernel 2.6.34\nspawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2\nexit P1\nexit P2")
    #expect(t.states[4][anonVMA: 2].root == nil)
    #expect(t.states[4].refcount(1) == 0)
    #expect(lockEvents(t, step: 4) == ["lock AV1", "unlock AV1", "lock AV2", "unlock AV2"])
    #expect(t.states[6].freedThisStep == [2, 1])
    #expect(t.states[6].violations.isEmpty)
  }
}

@Suite("The three models agree with the reference's counts (Docs/kernel-semantics.md §E)")
struct PerModelTests {
  let e3 = "spawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2\nfork P2 P3\nexit P2\nexit P1\nexit P3"

  @Test("E1: counters after the first touch", arguments: KernelVersion.allCases)
  func e1(kernel: KernelVersion) {
    let t = timeline("kernel \(kernel.rawValue)\nspawn P1\nmmap P1 A 4\nread P1 A 0\ntouch P1 A 0")
    let av = t.states[4][anonVMA: 1]
    #expect(t.states[3].aliveAnonVMAs.isEmpty)
    switch kernel {
    case .v2_6_34:
      #expect(av.root == nil && av.refcount == 0)
    case .v2_6_36:
      #expect(av.root == 1 && av.refcount == 0)
    case .v6, .mainline:
      #expect(av.root == 1 && av.parent == 1 && av.refcount == 1 && av.numChildren == 1 && av.numActiveVMAs == 1)
    }
  }

  @Test("E2: fork gives chain [C2, R] in every model, with the model's counters", arguments: KernelVersion.allCases)
  func e2(kernel: KernelVersion) {
    let t = timeline("kernel \(kernel.rawValue)\nspawn P1\nmmap P1 A 4\ntouch P1 A 0..3\nfork P1 P2")
    let w = t.states[4]
    #expect(w.chain("P2", "A") == ["AV2", "AV1"])
    #expect(w.listNames(1) == ["P1:A@0", "P2:A@0"])
    let r = w[anonVMA: 1]
    let c2 = w[anonVMA: 2]
    switch kernel {
    case .v2_6_34: #expect(r.refcount == 0 && c2.root == nil)
    case .v2_6_36: #expect(r.refcount == 1 && c2.root == 1)
    case .v6, .mainline:
      #expect(c2.parent == 1 && c2.refcount == 1 && c2.numActiveVMAs == 1)
      #expect(r.refcount == 2 && r.numChildren == 2)
    }
    let locks = lockEvents(t, step: 4)
    switch kernel {
    case .v2_6_34: #expect(locks == ["lock AV1", "unlock AV1", "lock AV2", "unlock AV2"])
    case .v2_6_36: #expect(locks == ["lock AV1", "unlock AV1", "lock AV1 (root of AV2)", "unlock AV1 (root of AV2)"])
    case .v6, .mainline:
      #expect(
        locks == ["lock AV1 for write", "unlock AV1", "lock AV1 (root of AV2) for write", "unlock AV1 (root of AV2)"])
    }
  }

  @Test("E3: six chains; counters; freed newest to oldest in every model", arguments: KernelVersion.allCases)
  func e3(kernel: KernelVersion) {
    let t = timeline("kernel \(kernel.rawValue)\n" + e3)
    #expect(t.states[5].avcCount == 6)
    // mainline's anon_vma_clone() copies the chain in reverse order (MainlineCloneTests).
    #expect(t.states[5].chain("P3", "A") == (kernel == .mainline ? ["AV3", "AV1", "AV2"] : ["AV3", "AV2", "AV1"]))
    switch kernel {
    case .v2_6_34: #expect(t.states[5].refcount(1) == 0)
    case .v2_6_36: #expect(t.states[5].refcount(1) == 2)
    case .v6, .mainline:
      #expect(t.states[5].refcount(1) == 3)
      #expect(t.states[5][anonVMA: 2].numChildren == 1)
      #expect(t.states[6][anonVMA: 2].numActiveVMAs == 0)
      #expect(t.states[7][anonVMA: 1].numActiveVMAs == 0)
    }
    #expect(t.states[7].aliveAnonVMAs == [1, 2, 3])
    #expect(t.states[8].freedThisStep == [3, 2, 1])
    #expect(t.states[8].violations.isEmpty)
  }

  @Test("E4: split and merge; 6.1 counts the extra active VMA", arguments: KernelVersion.allCases)
  func e4(kernel: KernelVersion) {
    let t = timeline(
      "kernel \(kernel.rawValue)\nspawn P1\nmmap P1 A 4\ntouch P1 A 0..3\nmprotect P1 A 2..3 ro\nmprotect P1 A 2..3 rw")
    #expect(t.states[4].chain("P1", "A", 2) == ["AV1"])
    #expect(t.states[5].avcCount == 1)
    if kernel.isModern {
      #expect(t.states[4][anonVMA: 1].numActiveVMAs == 2)
      #expect(t.states[5][anonVMA: 1].numActiveVMAs == 1)
    }
    // 2.6.34's vma_adjust takes no anon_vma lock; the clone link still takes AV1's own.
    let locks = lockEvents(t, step: 4).count
    #expect(locks == (kernel == .v2_6_34 ? 2 : 4))
    #expect(t.states[5].violations.isEmpty)
  }

  @Test(
    "E5: walks visit the same VMAs; the lock is the page's anon_vma in 2.6.34, the root otherwise",
    arguments: KernelVersion.allCases)
  func e5(kernel: KernelVersion) {
    let t = timeline(
      "kernel \(kernel.rawValue)\nspawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2\nfork P2 P3\ntouch P2 A 0\ntouch P3 A 0\nrmap P1 A 0\nrmap P2 A 0\nrmap P3 A 0"
    )
    #expect(t.states[8].lastWalk?.visited == ["P1:A@0", "P2:A@0", "P3:A@0"])
    #expect(t.states[9].lastWalk?.visited == ["P2:A@0", "P3:A@0"])
    #expect(t.states[10].lastWalk?.visited == ["P3:A@0"])
    #expect(t.states[9].lastWalk?.lock == (kernel == .v2_6_34 ? 2 : 1))
    #expect(t.states[10].lastWalk?.lock == (kernel == .v2_6_34 ? 3 : 1))
    if kernel.isModern { #expect(lockEvents(t, step: 9).first == "lock AV1 for read") }
  }

  @Test(
    "D.8: after three generations of fork-and-exit, 6.1 stays at three anon_vmas; 2.6.36 grows by one per generation",
    arguments: [KernelVersion.v2_6_36, .v6])
  func d8(kernel: KernelVersion) {
    var source = "kernel \(kernel.rawValue)\nspawn P0\nmmap P0 A 1\ntouch P0 A 0\n"
    for g in 1...5 { source += "fork P\(g - 1) P\(g)\nexit P\(g - 1)\n" }
    let t = timeline(source)
    let w = t.states[t.stepCount]
    if kernel.isModern {
      #expect(w.aliveAnonVMAs.count == 3)
      #expect(w.chain("P5", "A").count == 3)
    } else {
      #expect(w.aliveAnonVMAs.count == 6)
      #expect(w.chain("P5", "A").count == 6)
    }
    #expect(w.violations.isEmpty)
    // The middle of the chain after generation 3 (reference D.8's worked values).
    let g3 = timeline(
      "kernel 6.1\nspawn P0\nmmap P0 A 1\ntouch P0 A 0\nfork P0 P1\nexit P0\nfork P1 P2\nexit P1\nfork P2 P3")
    #expect(g3.states[g3.stepCount].chain("P3", "A") == ["AV3", "AV2", "AV1"])
    let p3 = g3.states[g3.stepCount].processIndex(named: "P3") ?? 0
    let v = g3.states[g3.stepCount].vma(process: p3, mapping: "A", firstPage: nil) ?? 0
    #expect(g3.states[g3.stepCount].vmas[v]?.anonVMA == 2)
  }
}
