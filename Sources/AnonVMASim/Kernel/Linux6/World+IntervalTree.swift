// Linux 6.x: the anon_vma interval tree (mm/interval_tree.c) that replaced the same_anon_vma
// list. `head` keeps the tree's in-order sequence.

extension World {
  /// vma_complete() (mm/vma.c; __vma_adjust() in 6.1): anon_vma_interval_tree_post_update_vma()
  /// puts each AVC of a VMA whose bounds changed back into its anon_vma's tree under the new
  /// key (pre_update took them out under the same write lock), after its equals.
  ///
  /// `anon_vma_interval_tree_post_update_vma()`, mm/vma.c vma_complete(); 6.x (6.1 .. 6.19).
  mutating func treeReinsert(vma: VMAID, cpu c: Int) -> InstrResult {
    guard let chain = vmas[vma]?.chainTailFirst, !chain.isEmpty else { return .expand([]) }
    var moved: [AnonVMAID] = []
    for id in chain.reversed() {
      guard let a = avcs[id]?.anonVMA, let i = self[anonVMA: a].head.firstIndex(of: id) else { continue }
      touchAnonVMA(a)
      updateAnonVMA(a) { _ = $0.head.remove(at: i) }
      let at = treeInsertionIndex(of: id, in: a)
      updateAnonVMA(a) { $0.head.insert(id, at: at) }
      moved.append(a)
    }
    let pgoff = vmas[vma]?.pgoff ?? 0
    return emit(
      c, "anon_vma_interval_tree_post_update_vma",
      "\(vmaName(vma)) re-inserted into the interval tree of \(moved.map { av($0) }.joined(separator: ", ")) "
        + "at pgoff \(pgoff), after its equals",
      objects: [.vma(vma)] + moved.map { .anonVMA($0) })
  }

  /// AVC ids of an anon_vma's interval tree, in order (in 6.x `head` is kept in the tree's
  /// in-order sequence by ``treeInsertionIndex(of:in:)``).
  func treeOrder(_ a: AnonVMAID) -> [AVCID] { self[anonVMA: a].head }

  /// Where `anon_vma_interval_tree_insert()` puts an AVC in the in-order sequence of `a`'s tree.
  ///
  /// The tree is keyed by the VMA's first page offset (`avc_start_pgoff`); the descent goes left
  /// when `start < ITSTART(parent)` and right otherwise (`include/linux/interval_tree_generic.h`,
  /// `INTERVAL_TREE_DEFINE` in `mm/interval_tree.c`), so an AVC lands after every node whose key
  /// is less than or equal to its own: among equal keys, the last inserted is visited last.
  /// Rotations keep the in-order sequence, so this position is exact whatever the tree's shape.
  func treeInsertionIndex(of avc: AVCID, in a: AnonVMAID) -> Int {
    func key(_ id: AVCID) -> Int { avcs[id].flatMap { vmas[$0.vma]?.pgoff } ?? 0 }
    let head = self[anonVMA: a].head
    let k = key(avc)
    var low = 0
    var high = head.count
    while low < high {
      let mid = (low + high) / 2
      if k < key(head[mid]) { high = mid } else { low = mid + 1 }
    }
    return low
  }
}
