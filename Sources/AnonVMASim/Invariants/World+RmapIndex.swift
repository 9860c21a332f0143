// C24: the reverse map finds every mapped anonymous page where it is mapped.

extension World {
  /// C24: every page mapped in a process is found by an rmap walk from its anon_vma: the VMA
  /// that maps it is on the anon_vma's list (C12 checks the chain) and vma_address() of the page
  /// in that VMA, `vm_start + (page->index - vm_pgoff)`, is where it is mapped. mremap moves PTEs
  /// and keeps page->index: the moved VMA's vm_pgoff must follow (move_vma()'s `new_pgoff`).
  /// Checked when no operation is unfinished (vma_adjust() stores vm_start and vm_pgoff apart).
  func checkRmapIndex(_ s: inout InvariantScan) {
    guard s.quiescent else { return }
    for pi in s.scopedProcesses {
      let process = self[process: pi]
      let spans = process.vmas.compactMap { vmas[$0] }.sorted { $0.start < $1.start }
      var i = 0
      for vpage in process.ptes.keys.sorted() {
        guard case .page(let p, _) = process.ptes[vpage] else { continue }
        let page = self[page: p]
        guard !page.freed, case .anon(let a) = page.mapping, self[anonVMA: a].alive else { continue }
        while i < spans.count && spans[i].end <= vpage { i += 1 }
        let place = locationName(process: pi, vpage: vpage)
        guard i < spans.count, spans[i].start <= vpage else {
          s.fail(
            "C24", "\(pg(p)) is mapped at \(place) outside every VMA: no rmap walk from \(av(a)) finds it",
            [.page(p), .process(pi), .anonVMA(a)])
          continue
        }
        let vma = spans[i]
        let found = vma.start + (page.index - vma.pgoff)
        if found != vpage {
          s.fail(
            "C24",
            "\(pg(p)) (index \(page.index)) is mapped at \(place), but an rmap walk from \(av(a)) looks for it "
              + "in \(vmaName(vma.id)) at page \(found) (vm_pgoff \(vma.pgoff))",
            [.page(p), .process(pi), .anonVMA(a), .vma(vma.id)])
        }
      }
    }
  }
}
