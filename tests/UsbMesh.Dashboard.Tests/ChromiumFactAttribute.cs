namespace UsbMesh.Dashboard.Tests;

/// <summary>A fact that needs a browser: Debian's chromium (package <c>chromium</c>), which Playwright drives. Without
/// it the fact is skipped and says why; Playwright's own browser download is not used.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Executable = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Executable))
        {
            Skip = $"No browser: {Executable} is missing (apt-get install chromium).";
        }
    }
}
