import AnonVMASim
import ArgumentParser
import Synchronization

/// An error of anonvis's own: the message for standard error (printed escaped) and the exit
/// status, 2 unless said otherwise. Commands throw it and ``AnonVis/main()`` prints it, as
/// ArgumentParser prints its own errors. A status with nothing more to say (the diagnostics are
/// printed, `check`'s verdict, ctrl-C's 130) stays ArgumentParser's `ExitCode`.
struct CLIError: Error, Equatable {
  /// The whole message, e.g. `error: ...` or `FILE: error: ...`.
  var message: String
  var exitCode: Int32

  init(message: String, exitCode: Int32 = 2) {
    self.message = message
    self.exitCode = exitCode
  }

  /// `error: TEXT`, exit status 2.
  static func error(_ text: String) -> CLIError {
    CLIError(message: "error: " + text)
  }
}

/// The typed values of anonvis's options (kernel, variant, size) parse in their
/// `ExpressibleByArgument` conformances, and ArgumentParser reports a value that does not parse:
/// the value, the option, and the valid values or the option's help. It exits 64 for that, a usage
/// error; anonvis's status for a bad value is 2 (as for `--cpus 9` or `--step 99`; 64 stays for
/// bad syntax), so a conformance notes its rejection here for ``AnonVis/main()``.
enum ArgumentValue {
  private static let rejected = Atomic<Bool>(false)

  /// Whether a typed value did not parse.
  static var wasRejected: Bool { rejected.load(ordering: .relaxed) }

  /// Notes that a typed value did not parse (its `init?(argument:)` then returns nil).
  static func reject() {
    rejected.store(true, ordering: .relaxed)
  }
}

extension KernelVersion: ExpressibleByArgument {
  /// A kernel name or one of its aliases (`2.6.35`, `root-lock`, `modern`).
  public init?(argument: String) {
    guard let kernel = KernelVersion(name: argument) else {
      ArgumentValue.reject()
      return nil
    }
    self = kernel
  }

  public var defaultValueDescription: String { rawValue }
}

extension Variant: ExpressibleByArgument {
  public init?(argument: String) {
    guard let variant = Variant(rawValue: argument) else {
      ArgumentValue.reject()
      return nil
    }
    self = variant
  }

  public var defaultValueDescription: String { rawValue }
}

extension TerminalSize: ExpressibleByArgument {
  /// `COLSxROWS` (or `COLSXROWS`), each between 1 and 1000.
  init?(argument: String) {
    let parts = argument.lowercased().split(separator: "x")
    guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (1...1000).contains(w),
      (1...1000).contains(h)
    else {
      ArgumentValue.reject()
      return nil
    }
    self.init(width: w, height: h)
  }

  var defaultValueDescription: String { "\(width)x\(height)" }
}
