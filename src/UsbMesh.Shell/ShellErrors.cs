namespace UsbMesh.Shell;

/// <summary>The codes of <see cref="ShellFrame.Error"/> and the process exit code each one maps to.</summary>
public static class ShellErrors
{
    /// <summary>The command line does not fit the command: unknown switch, missing mandatory argument.</summary>
    public const string Usage = "usage";

    /// <summary>The caller may not run this command here; the message says why.</summary>
    public const string Denied = "denied";

    /// <summary>What the command names (device, peer, session, palette, node) does not exist.</summary>
    public const string NotFound = "not-found";

    /// <summary>The command ran and failed.</summary>
    public const string Failed = "failed";

    /// <summary>The node, or the node the command was sent to, cannot be reached or did not answer in time.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>Process exit codes of the <c>usbmesh</c> client.</summary>
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitUsage = 2;
    public const int ExitUnavailable = 3;
    public const int ExitDenied = 4;
    public const int ExitNotFound = 5;
    public const int ExitCancelled = 130;

    public static int ExitCodeOf(string code) => code switch
    {
        Usage => ExitUsage,
        Denied => ExitDenied,
        NotFound => ExitNotFound,
        Unavailable => ExitUnavailable,
        _ => ExitFailed,
    };
}
