/// The stable id of a kind of diagnostic, as swift-syntax's `MessageID` or rustc's `E0308`: one
/// case per kind of message, the same id for the same kind of problem from one version to the
/// next (a retired id is not reused). Ids are data, for tests and tools: a rendered diagnostic
/// does not print them. The raw value is the code: `S00xx` the file, `S01xx` lexing, `S02xx`
/// parsing, `S03xx` the static checks, `S04xx` running the scene, `S05xx` checking its
/// expectations, `S06xx` preparing a race search. `S0901` (every problem found after the static
/// checks, before they had ids of their own) is retired.
public enum DiagnosticID: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  // The file (read by the command line before lexing)
  case nulByte = "S0001"
  case invalidUTF8 = "S0002"

  // Lexing
  case unterminatedString = "S0101"
  case unknownEscape = "S0102"

  // Parsing: statements
  case statementIsString = "S0201"
  case unknownStatement = "S0202"
  case unknownKernel = "S0203"
  case unknownVariant = "S0204"
  case cpuCount = "S0205"
  case stepCount = "S0206"
  case notAnOperation = "S0207"
  case mappingSize = "S0208"
  case mmapOption = "S0209"
  case protection = "S0210"
  case unknownExpectation = "S0211"
  case firstPage = "S0212"
  case lockMode = "S0213"
  case lockState = "S0214"
  case vmaID = "S0215"
  case invariantCode = "S0216"
  case tooManyErrors = "S0217"
  case emptyScene = "S0218"
  case unknownQuestion = "S0219"
  /// An `mremap` option other than `after NAME`, `before NAME` and `dontunmap`, or one given twice.
  case mremapOption = "S0220"
  // Parsing: one argument
  case missingArgument = "S0230"
  case stringForWord = "S0231"
  case badName = "S0232"
  case expectedString = "S0233"
  case badNumber = "S0234"
  case badRange = "S0235"
  case reversedRange = "S0236"
  case expectedWord = "S0237"
  case badCPUName = "S0238"
  case badAnonVMAName = "S0239"
  case extraArgument = "S0240"

  // Static checks
  case unknownProcess = "S0301"
  case exitedProcess = "S0302"
  case unknownMapping = "S0303"
  case pageOutOfRange = "S0304"
  case duplicateProcess = "S0305"
  case duplicateMapping = "S0306"
  case headerAfterOperation = "S0307"
  case headerTwice = "S0308"
  case unknownCPU = "S0309"
  case modernOnly = "S0310"
  case variantKernel = "S0311"
  /// An `ask` line with no step after it: it asks about the step it comes before.
  case askWithoutStep = "S0312"

  // Running the scene
  /// The model cannot run the operation in this state (a write fault on a read-only page, a page
  /// under migration, ...).
  case operationRefused = "S0401"
  /// The world outgrew a budget (objects, work, or the process's memory); the message names the
  /// option that raises it.
  case budgetExceeded = "S0402"
  /// ctrl-C stopped the run.
  case interrupted = "S0403"

  // Checking expectations
  /// An `expect` line names an anon_vma not allocated at its step.
  case anonVMANotAllocated = "S0501"
  /// An `ask` line the model cannot answer after its step (no such VMA, a freed anon_vma's root,
  /// no rmap walk from that page).
  case unanswerableQuestion = "S0502"

  // Preparing a race search
  /// No operation is put on a CPU (`on cpuN begin ...`): nothing to interleave.
  case nothingOnCPUs = "S0601"

  public var description: String { rawValue }
}
