import AnonVMASim

/// One operation keyword of the scene language: the ``Operation`` it parses into, its usage and
/// its argument parser. The keyword's spelling is ``Operation/Keyword``'s raw value, which
/// ``Operation/label`` prints back; adding an operation means adding one row here (plus its
/// `Operation` case and kernel code).
public struct OperationSyntax: Sendable {
  public let keyword: Operation.Keyword
  /// The arguments after the keyword, as usage text (`PROCESS MAPPING PAGE[..PAGE]`).
  public let arguments: String
  /// Reads the arguments after the keyword (the caller checks nothing follows).
  let parse: @Sendable (inout Cursor) -> Operation?

  /// The keyword with its arguments, e.g. `touch PROCESS MAPPING PAGE[..PAGE]`.
  public var usage: String { arguments.isEmpty ? keyword.rawValue : "\(keyword.rawValue) \(arguments)" }
}

extension OperationSyntax {
  /// Every operation keyword, in the order the scene language documents them.
  public static let all: [OperationSyntax] = [
    OperationSyntax(keyword: .spawn, arguments: "PROCESS") { c in
      c.ident("a process name").map { .spawn($0) }
    },
    OperationSyntax(keyword: .mmap, arguments: "PROCESS MAPPING PAGES [growsdown]", parse: parseMmap),
    OperationSyntax(keyword: .touch, arguments: "PROCESS MAPPING PAGE[..PAGE]") { c in
      pageRange(&c, "a page or page range") { .touch(process: $0, mapping: $1, first: $2, last: $3) }
    },
    OperationSyntax(keyword: .read, arguments: "PROCESS MAPPING PAGE[..PAGE]") { c in
      pageRange(&c, "a page or page range") { .read(process: $0, mapping: $1, first: $2, last: $3) }
    },
    OperationSyntax(keyword: .fork, arguments: "PARENT CHILD") { c in
      guard let p = c.ident("the parent process"), let ch = c.ident("the child's name") else { return nil }
      return .fork(parent: p, child: ch)
    },
    OperationSyntax(keyword: .exit, arguments: "PROCESS") { c in c.ident("a process name").map { .exit($0) } },
    OperationSyntax(keyword: .munmap, arguments: "PROCESS MAPPING [PAGE[..PAGE]]", parse: parseMunmap),
    OperationSyntax(keyword: .mprotect, arguments: "PROCESS MAPPING PAGE[..PAGE] ro|rw", parse: parseMprotect),
    OperationSyntax(keyword: .ksmMerge, arguments: "PROCESS MAPPING PAGE PROCESS MAPPING PAGE") { c in
      guard let x = c.pageRef(), let y = c.pageRef() else { return nil }
      return .ksmMerge(x, y)
    },
    OperationSyntax(keyword: .ksmUnmerge, arguments: "PROCESS MAPPING PAGE") { c in
      c.pageRef().map { .ksmUnmerge($0) }
    },
    OperationSyntax(keyword: .ksmdScan, arguments: "") { _ in .ksmdScan },
    OperationSyntax(keyword: .swapOut, arguments: "PROCESS MAPPING PAGE") { c in c.pageRef().map { .swapOut($0) } },
    OperationSyntax(keyword: .migrate, arguments: "PROCESS MAPPING PAGE") { c in c.pageRef().map { .migrate($0) } },
    OperationSyntax(keyword: .rmap, arguments: "PROCESS MAPPING PAGE") { c in c.pageRef().map { .rmap($0) } },
    OperationSyntax(keyword: .takeAllLocks, arguments: "PROCESS") { c in
      c.ident("a process name").map { .takeAllLocks($0) }
    },
    OperationSyntax(keyword: .dropAllLocks, arguments: "PROCESS") { c in
      c.ident("a process name").map { .dropAllLocks($0) }
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
    if let flag = c.peek() {
      guard flag.text == "growsdown" else {
        c.error(.mmapOption, "unexpected extra argument '\(shown(flag.text))' (the only option is growsdown)", at: flag)
        return nil
      }
      _ = c.next()
      grows = true
    }
    return .mmap(process: p, mapping: m, pages: n, growsDown: grows)
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
