using System.Diagnostics;
using UsbMesh.TestKit;

namespace UsbMesh.Cli.Tests;

/// <summary>What one run of the client printed and how it ended.</summary>
public sealed record ClientRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>
/// Runs the built <c>usbmesh</c> (<c>dotnet usbmesh.dll ...</c>) as a process of its own, its standard output and
/// error redirected (so it prints plain text) and its standard input given or closed, within a time bound: a run that
/// overstays it is killed and fails the spec with what it printed.
/// </summary>
public static class ClientProcess
{
    public static string ClientPath { get; } =
        BuiltProgram.Find(typeof(ClientProcess).Assembly, "UsbMeshClientPath", "usbmesh.dll", "src/UsbMesh.Cli");

    public static async Task<ClientRun> RunAsync(TimeSpan timeout, string? stdin, params string[] arguments)
    {
        var start = new ProcessStartInfo(BuiltProgram.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ClientPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Whoever runs the specs must not point the client elsewhere.
        start.Environment.Remove("USBMESH_SOCKET");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"usbmesh {string.Join(' ', arguments)} did not end within {timeout}.\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
        }

        return new ClientRun(process.ExitCode, await stdout, await stderr);
    }
}
