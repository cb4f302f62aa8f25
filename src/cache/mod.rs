//! What an instance keeps in memory below the domain: who a token is and the hot group reads
//! (`identity`, evicted across instances), and sightings of sessions not yet written
//! (`presence`).
pub mod identity;
pub mod presence;
