//! What a command works with — the data folder, the loaded trials, the store and the current
//! coordinator — each opened only when the command first asks for it, so `evaluate` never
//! touches a database and `verify` never loads trials.

use std::path::PathBuf;

use anyhow::Result;

use crate::storage::Store;
use crate::storage::pg::DatabaseUrl;
use crate::storage::{Coordinator, DataDir, StoreError};
use crate::trial::TrialSet;

/// The shared state of one command-line invocation.
pub struct Context {
    data_dir_arg: Option<PathBuf>,
    trial_dirs: Vec<PathBuf>,
    data_dir: Option<DataDir>,
    trials: Option<TrialSet>,
    database: Option<String>,
    store: Option<Box<dyn Store + Send>>,
}

impl Context {
    /// A context for `--data-dir` (or its default) and the `--trials` folders.
    pub fn new(
        data_dir: Option<PathBuf>,
        trial_dirs: Vec<PathBuf>,
        database: Option<String>,
    ) -> Self {
        Self {
            data_dir_arg: data_dir,
            trial_dirs,
            data_dir: None,
            trials: None,
            database: database.filter(|url| !url.trim().is_empty()),
            store: None,
        }
    }

    /// The site server's URL, when one is named
    /// (`--database`, else `PRESCREEN_DATABASE_URL`, else the data folder's saved one).
    pub fn database_url(&mut self) -> Result<Option<DatabaseUrl>> {
        let given = self.database.clone();
        let data_dir = self.data_dir()?;
        crate::settings::resolve_database(given.as_deref(), data_dir)
            .map(|url| DatabaseUrl::parse(&url).map_err(|e| anyhow::anyhow!("--database: {e}")))
            .transpose()
    }

    /// The folder of a signing identity: the default one, or a named one beside it (one data
    /// folder can hold a coordinator's and an investigator's).
    pub fn signing_dir(&mut self, identity: Option<&str>) -> Result<std::path::PathBuf> {
        let base = self.data_dir()?.signing_dir();
        match identity {
            None => Ok(base),
            Some(name)
                if !name.is_empty()
                    && name.len() <= 40
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                Ok(base.join("named").join(name))
            }
            Some(name) => {
                anyhow::bail!("--identity {name:?}: use 1 to 40 letters, digits, '-' or '_'")
            }
        }
    }

    /// The data folder (resolved once).
    pub fn data_dir(&mut self) -> Result<&DataDir> {
        let dir = match self.data_dir.take() {
            Some(dir) => dir,
            None => DataDir::resolve(self.data_dir_arg.as_deref())?,
        };
        Ok(self.data_dir.insert(dir))
    }

    /// The built-in trials plus every `--trials` folder; files that fail to load are warned
    /// about once, on stderr.
    pub fn trials(&mut self) -> &TrialSet {
        let set = self.trials.take().unwrap_or_else(|| {
            let set = trial_set(&self.trial_dirs);
            for problem in &set.problems {
                eprintln!("warning: {problem}");
            }
            set
        });
        self.trials.insert(set)
    }

    /// The records store: the site server with `--database`, else the data folder's
    /// database (opened once).
    pub fn store(&mut self) -> Result<&mut (dyn Store + Send)> {
        let store: Box<dyn Store + Send> = match self.store.take() {
            Some(store) => store,
            None => {
                let given = self.database.clone();
                crate::settings::open_records(
                    self.data_dir()?,
                    given.as_deref(),
                    &mut prompt_password,
                )?
            }
        };
        Ok(self.store.insert(store).as_mut())
    }

    /// The coordinator the command line acts as.
    pub fn coordinator(&mut self) -> Result<Coordinator> {
        Ok(self
            .store()?
            .current_coordinator()?
            .ok_or(StoreError::NoCurrentCoordinator)?)
    }

    /// The trials and the store together (a command that reads one and writes the other).
    pub fn trials_and_store(&mut self) -> Result<(&TrialSet, &mut (dyn Store + Send))> {
        self.store()?;
        self.trials();
        match (self.trials.as_ref(), self.store.as_mut()) {
            (Some(trials), Some(store)) => Ok((trials, store.as_mut())),
            _ => Err(anyhow::anyhow!("the store could not be opened")),
        }
    }
}

/// Asks for the server password on the terminal, without echo (`url`: no password in it).
pub fn prompt_password(url: &str) -> std::io::Result<Option<String>> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    rpassword::prompt_password(format!("Password for {url}: ")).map(Some)
}

/// Built-in trials plus every `--trials` folder.
pub fn trial_set(dirs: &[PathBuf]) -> TrialSet {
    let mut set = TrialSet::built_in();
    for dir in dirs {
        set.add_path(dir);
    }
    set
}
