namespace UsbMesh.Configuration;

/// <summary>
/// Keeps the library's promise that only <see cref="ConfigurationException"/> escapes it: anything else (a stack
/// about to overflow on absurd nesting, or a bug) is wrapped with the origin of the document being processed.
/// </summary>
internal static class Guard
{
    public static T Run<T>(ConfigOrigin origin, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ConfigurationException)
        {
            throw;
        }
        catch (InsufficientExecutionStackException e)
        {
            throw new ConfigurationException("the configuration is nested too deeply to process", origin, path: null, e);
        }
        catch (Exception e)
        {
            throw new ConfigurationException($"unexpected error: {e.Message}", origin, path: null, e);
        }
    }
}
