export default function Home() {
  return <main><h1>twinly</h1><p>Your digital twins.</p></main>;
}
