import AnonVMASim

/// One operation keyword of the scene language: the ``Operation`` it parses into, its usage and
/// its argument parser. The keyword's spelling is ``Operation/Keyword``'s raw value, which
/// ``Operation/label`` prints back; adding an operation means adding one row here (plus its
/// `Operation` case and kernel code).
public struct OperationSyntax: Sendable {
  public let keyword: Operation.Keyword
  /// The arguments after the keyword, as usage text (`PROCESS MAPPING PAGE[..PAGE]`).
  public let arguments: String
  /// What it does, in one line (`:help OP`; `Docs/scene-language.md` says it at length).
  public let summary: String
  /// Reads the arguments after the keyword (the caller checks nothing follows).
  let parse: @Sendable (inout Cursor) -> Operation?

  /// The keyword with its arguments, e.g. `touch PROCESS MAPPING PAGE[..PAGE]`.
  public var usage: String { arguments.isEmpty ? keyword.rawValue : "\(keyword.rawValue) \(arguments)" }
}

extension OperationSyntax {
  /// Every operation keyword, in the order the scene language documents them.
  public static let all: [OperationSyntax] = [
    OperationSyntax(keyword: .spawn, arguments: "PROCESS", summary: "a new process with an empty address space") { c in
      c.ident("a process name").map { .spawn($0) }
    },
    OperationSyntax(
      keyword: .mmap, arguments: "PROCESS MAPPING PAGES [growsdown | after MAPPING]",
      summary: "a private anonymous mapping of PAGES pages (no anon_vma yet)", parse: parseMmap),
    OperationSyntax(
      keyword: .touch, arguments: "PROCESS MAPPING PAGE[..PAGE]",
      summary: "write faults: anon_vma_prepare on the first, a new page, or COW (copy or reuse)"
    ) { c in
      pageRange(&c, "a page or page range") { .touch(process: $0, mapping: $1, first: $2, last: $3) }
    },
    OperationSyntax(
      keyword: .read, arguments: "PROCESS MAPPING PAGE[..PAGE]", summary: "read faults: the zero page; no anon_vma"
    ) { c in
      pageRange(&c, "a page or page range") { .read(process: $0, mapping: $1, first: $2, last: $3) }
    },
    OperationSyntax(
      keyword: .fork, arguments: "PARENT CHILD",
      summary: "CHILD becomes a child of PARENT (dup_mmap, anon_vma_fork for every VMA)"
    ) { c in
      guard let p = c.ident("the parent process"), let ch = c.ident("the child's name") else { return nil }
      return .fork(parent: p, child: ch)
    },
    OperationSyntax(
      keyword: .exit, arguments: "PROCESS", summary: "exit_mmap: unlink every VMA's chain in address order"
    ) { c in c.ident("a process name").map { .exit($0) } },
    OperationSyntax(
      keyword: .munmap, arguments: "PROCESS MAPPING [PAGE[..PAGE]]",
      summary: "unmap the whole mapping, or the range (splitting at its edges)", parse: parseMunmap),
    OperationSyntax(
      keyword: .mprotect, arguments: "PROCESS MAPPING PAGE[..PAGE] ro|rw",
      summary: "change protection of the range: split where needed, merge back when compatible", parse: parseMprotect),
    OperationSyntax(
      keyword: .mremap, arguments: "PROCESS MAPPING PAGE[..PAGE] to NEW [after|before MAPPING] [dontunmap]",
      summary: "move the range to a new mapping NEW (copy_vma, move_page_tables, unmap the old range)",
      parse: parseMremap),
    OperationSyntax(
      keyword: .ksmMerge, arguments: "PROCESS MAPPING PAGE PROCESS MAPPING PAGE",
      summary: "ksmd merges the two identical pages into one KSM page"
    ) { c in
      guard let x = c.pageRef(), let y = c.pageRef() else { return nil }
      return .ksmMerge(x, y)
    },
    OperationSyntax(
      keyword: .ksmUnmerge, arguments: "PROCESS MAPPING PAGE", summary: "break COW on that KSM mapping: a private copy"
    ) { c in
      c.pageRef().map { .ksmUnmerge($0) }
    },
    OperationSyntax(keyword: .ksmdScan, arguments: "", summary: "ksmd drops the rmap_items of exited processes") { _ in
      .ksmdScan
    },
    OperationSyntax(
      keyword: .swapOut, arguments: "PROCESS MAPPING PAGE",
      summary: "reclaim that page: unmap it everywhere and free it"
    ) { c in c.pageRef().map { .swapOut($0) } },
    OperationSyntax(
      keyword: .migrate, arguments: "PROCESS MAPPING PAGE",
      summary: "migrate that page: pin its anon_vma, unmap, copy, remap"
    ) { c in c.pageRef().map { .migrate($0) } },
    OperationSyntax(
      keyword: .rmap, arguments: "PROCESS MAPPING PAGE",
      summary: "an rmap walk from that page: the lock taken, the VMAs visited"
    ) { c in c.pageRef().map { .rmap($0) } },
    OperationSyntax(
      keyword: .takeAllLocks, arguments: "PROCESS",
      summary: "mm_take_all_locks: every anon_vma lock of the mm, held until drop-all-locks"
    ) { c in
      c.ident("a process name").map { .takeAllLocks($0) }
    },
    OperationSyntax(keyword: .dropAllLocks, arguments: "PROCESS", summary: "mm_drop_all_locks") { c in
      c.ident("a process name").map { .dropAllLocks($0) }
    },
    OperationSyntax(
      keyword: .brk, arguments: "PROCESS MAPPING +PAGES",
      summary: "sys_brk: the heap mapping grows at its end (vma_adjust of vm_end only, or a new VMA)",
      parse: parseBrk),
    OperationSyntax(
      keyword: .growStack, arguments: "PROCESS MAPPING PAGES",
      summary: "expand_stack: a growsdown mapping grows down (vm_start and vm_pgoff, under the anon_vma lock)"
    ) { c in
      guard let p = c.ident("a process name"), let m = c.ident("a mapping name"),
        let n = growth(&c, plus: false)
      else { return nil }
      return .growStack(process: p, mapping: m, pages: n)
    },
  ]

  /// The row of a keyword as written, if it is an operation keyword.
  public static func named(_ word: String) -> OperationSyntax? {
    guard let keyword = Operation.Keyword(rawValue: word) else { return nil }
    return all.first { $0.keyword == keyword }
  }

  private static func pageRange(
    _ c: inout Cursor, _ what: String, _ make: (String, String, Int, Int) -> Operation
  ) -> Operation? {
    guard let p = c.ident("a process name"), let m = c.ident("a mapping name"), let (a, b, _) = c.range(what)
    else { return nil }
    return make(p, m, a, b)
  }

  private static func parseMmap(_ c: inout Cursor) -> Operation? {
    guard let p = c.ident("a process name"), let m = c.ident("a mapping name"),
      let (n, t) = c.number("a number of pages")
    else { return nil }
    guard n >= 1, n <= 1 << 20 else {
      c.error(.mappingSize, "a mapping has 1 to 1048576 pages, not \(n)", at: t)
      return nil
    }
    var grows = false
    if let flag = c.peek(), flag.text == "after" {
      _ = c.next()
      guard let a = c.ident("the mapping the new one follows") else { return nil }
      return .mmapAfter(process: p, mapping: m, pages: n, after: a)
    }
    if let flag = c.peek() {
      guard flag.text == "growsdown" else {
        c.error(
          .mmapOption, "unexpected extra argument '\(shown(flag.text))' (the options are growsdown and after MAPPING)",
          at: flag)
        return nil
      }
      _ = c.next()
      grows = true
    }
    return .mmap(process: p, mapping: m, pages: n, growsDown: grows)
  }

  /// `brk P M +N`: the growth is written with its sign.
  private static func parseBrk(_ c: inout Cursor) -> Operation? {
    guard let p = c.ident("a process name"), let m = c.ident("a mapping name"), let n = growth(&c, plus: true)
    else { return nil }
    return .brk(process: p, mapping: m, pages: n)
  }

  /// A number of pages to grow by, 1..1048576; `+N` when `plus`.
  private static func growth(_ c: inout Cursor, plus: Bool) -> Int? {
    guard let t = c.word(plus ? "+PAGES (the growth, e.g. +1)" : "a number of pages") else { return nil }
    let digits = plus && t.text.hasPrefix("+") ? String(t.text.dropFirst()) : t.text
    guard !plus || t.text.hasPrefix("+"), let n = Parser.parseNumber(digits) else {
      let expected =
        plus
        ? "+N, the number of pages to add"
        : t.text.hasPrefix("+") ? "a plain number of pages, without '+'" : "a number of pages"
      c.error(.badNumber, "bad growth '\(shown(t.text))' (expected \(expected))", at: t)
      return nil
    }
    guard n >= 1, n <= 1 << 20 else {
      c.error(.mappingSize, "a mapping grows by 1 to 1048576 pages, not \(n)", at: t)
      return nil
    }
    return n
  }

  private static func parseMunmap(_ c: inout Cursor) -> Operation? {
    guard let p = c.ident("a process name"), let m = c.ident("a mapping name") else { return nil }
    guard c.peek() != nil else { return .munmap(process: p, mapping: m, first: nil, last: nil) }
    guard let (a, b, _) = c.range("a page range") else { return nil }
    return .munmap(process: p, mapping: m, first: a, last: b)
  }

  private static func parseMprotect(_ c: inout Cursor) -> Operation? {
    guard let p = c.ident("a process name"), let m = c.ident("a mapping name"),
      let (a, b, _) = c.range("a page range"), let t = c.word("ro or rw")
    else { return nil }
    guard let prot = Prot(rawValue: t.text) else {
      c.error(.protection, "expected ro or rw, found '\(shown(t.text))'", at: t)
      return nil
    }
    return .mprotect(process: p, mapping: m, first: a, last: b, prot: prot)
  }
}
