using System.Diagnostics;

namespace UsbMesh.Deploy.Tests;

/// <summary>Runs a command-line tool from the repository root and collects what it wrote.</summary>
internal static class Tool
{
    private static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(30);

    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>Whether <paramref name="name"/> is an executable on PATH.</summary>
    public static bool Exists(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(directory => directory.Length > 0 && File.Exists(Path.Combine(directory, name)));

    public static Result Run(string fileName, params string[] arguments) => Run(DefaultLimit, fileName, arguments);

    public static Result Run(TimeSpan limit, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} ran longer than {limit.TotalSeconds} s");
        }

        return new Result(process.ExitCode, output.Result, error.Result);
    }
}

/// <summary>A fact that needs a tool on PATH, skipped with the reason where it is missing.</summary>
public sealed class NeedsToolFactAttribute : FactAttribute
{
    public NeedsToolFactAttribute(string tool)
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "The deployment files are for Linux.";
        }
        else if (!Tool.Exists(tool))
        {
            Skip = $"{tool} is not installed.";
        }
    }
}
