// The story list is server-rendered only and needs no script: this entry just carries its styles.
import "../styles/base.css";
