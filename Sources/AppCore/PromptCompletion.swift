import AnonVMASim
import ScenePlayer
import SceneScript

/// The `:` prompt's own commands (`:help`, `:undo`, `:redo`, `:w`) and Tab completion at the `:`
/// and `/` prompts, from the names that exist at the step on screen.
extension AppState {
  /// The words the `:` prompt takes besides operations.
  static let sessionWords = ["help", "undo", "redo", "w", "q"]

  /// Runs `help [OP]`, `undo`, `redo` or `w FILE`; nil when the line is none of them.
  mutating func sessionCommand(_ line: String) -> [Effect]? {
    let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    switch words.first {
    case "help":
      message = AppState.help(words.dropFirst().first)
      return []
    case "undo" where words.count == 1:
      undo()
      return [.stepChanged(step)]
    case "redo" where words.count == 1:
      redo()
      return [.stepChanged(step)]
    case "w":
      let path = String(line.dropFirst(1)).trimmingSpaces
      guard !path.isEmpty else {
        notice = .error("usage: :w FILE")
        return []
      }
      guard explore else {
        notice = .error(":w saves a what-if branch: type an operation first")
        return []
      }
      return [.save(path: path, text: exploreScene)]
    default:
      return nil
    }
  }

  /// `:help`: every operation with its syntax (the Keywords table); `:help OP`: one of them.
  static func help(_ topic: String?) -> String {
    guard let topic else {
      return "operations: " + OperationSyntax.all.map(\.usage).joined(separator: " · ")
        + " · on CPU begin|step [N]|finish|OPERATION; also :undo :redo :w FILE :q :help OP (Tab completes)"
    }
    if let op = OperationSyntax.named(topic) { return "\(op.usage): \(op.summary)" }
    switch topic {
    case "on": return "on CPU begin OPERATION | on CPU step [N] | on CPU finish | on CPU OPERATION: run on a CPU"
    case "undo", "redo": return ":undo (u), :redo (ctrl-r): take back or run again a whole step"
    case "w": return ":w FILE: save the session's steps (the branch on screen) as a scene"
    default:
      return "no operation '\(topic)'; operations: " + Parser.operationKeywords.joined(separator: " ")
    }
  }

  /// Tab at a prompt: completes the last word, or lists the choices when several match.
  mutating func completePrompt(_ p: Prompt, _ text: String) {
    let candidates: [String]
    switch p {
    case .command, .whatIf: candidates = commandCandidates(text)
    case .find: candidates = WorldNames(world).all
    case .jump: candidates = timeline.chapters.map(\.title)
    }
    let r = Completion.complete(text, among: candidates)
    switch p {
    case .jump: prompt = .jump(r.line)
    case .command: prompt = .command(r.line)
    case .find: prompt = .find(r.line)
    case .whatIf: prompt = .whatIf(r.line)
    }
    message =
      r.choices.isEmpty ? (candidates.isEmpty ? "nothing to complete here" : nil) : r.choices.joined(separator: "  ")
  }

  /// What Tab offers for the word being typed at the `:` prompt: operations first, then for each
  /// argument the names that exist at the step on screen (live processes, that process's
  /// mappings, the pages mapped in that mapping, CPUs), as the operation's usage names them.
  func commandCandidates(_ text: String) -> [String] {
    var words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    if !(text.last == " " || text.last == "\t"), !words.isEmpty { words.removeLast() }
    let operations = Parser.operationKeywords
    guard let first = words.first else { return operations + ["on"] + AppState.sessionWords }
    if first == "help" { return words.count == 1 ? operations + ["on", "undo", "redo", "w"] : [] }
    let w = world
    let names = WorldNames(w)
    var args = words
    if first == "on" {
      if args.count == 1 { return names.cpus }
      args.removeFirst(2)
      if args.isEmpty { return ["begin", "step", "finish"] + operations }
      if args[0] == "begin" {
        args.removeFirst()
        if args.isEmpty { return operations }
      }
    }
    // spawn and fork name a new process: nothing to complete.
    guard let syntax = OperationSyntax.named(args[0]), syntax.keyword != .spawn else { return [] }
    let kinds = syntax.arguments.split(separator: " ").map(String.init)
    let index = args.count - 1
    guard index < kinds.count else { return [] }
    switch kinds[index] {
    case "PROCESS", "PARENT": return names.processes
    case "MAPPING": return names.mappings[args[index]] ?? []
    case "PAGE", "PAGE[..PAGE]", "[PAGE[..PAGE]]":
      return WorldNames.mappedPages(w, process: args[index - 1], mapping: args[index])
    case "ro|rw": return ["ro", "rw"]
    case "[growsdown": return ["after", "growsdown"]
    default: return []
    }
  }
}
